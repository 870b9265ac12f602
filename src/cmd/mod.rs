//! One module per subcommand: parse, call a crate, print.

pub(crate) mod compact;
pub(crate) mod dashboard;
pub(crate) mod demo;
pub(crate) mod detect;
pub(crate) mod feed;
pub(crate) mod incidents;
pub(crate) mod ingest;
pub(crate) mod jobs;
pub(crate) mod lake;
pub(crate) mod maintenance;
pub(crate) mod models;
pub(crate) mod report;
pub(crate) mod rooms;
pub(crate) mod serve;
pub(crate) mod simulate;
pub(crate) mod sql;
pub(crate) mod updates;
pub(crate) mod validate;

use std::process::ExitCode;

use crate::cli::Command;

/// Runs a subcommand; `Ok` carries its exit code (1 when it judged input invalid).
pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Validate(args) => validate::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Compact(args) => compact::run(args),
        Command::Lake(args) => lake::run(args),
        Command::Rooms(args) => rooms::run(args),
        Command::Report(args) => report::run(args),
        Command::Jobs(args) => jobs::run(args),
        Command::Sql(args) => sql::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Dashboard(args) => dashboard::run(args),
        Command::Incidents(args) => incidents::run(args),
        Command::Detect(args) => detect::run(args),
        Command::Feed(args) => feed::run(args),
        Command::Models(args) => models::run(args),
        Command::Maintenance(args) => maintenance::run(args),
        Command::Updates(args) => updates::run(args),
    }
}
