//! The command-line surface of docs/cli.md: every subcommand and its flags.
//!
//! Every flag has a long name, an environment variable `ROOMSIGHT_<FLAG>`, and may be set in
//! the config file (`config.rs`); flags win over the environment, the environment over the file.
//! docs/cli.md is generated from these definitions (`reference`), and a test keeps it in step.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[cfg(test)]
mod reference;

use crate::cmd::{
    compact, dashboard, demo, detect, feed, incidents, ingest, jobs, lake, maintenance, models,
    report, rooms, serve, simulate, sql, updates, validate,
};

/// Meeting-room telemetry: Kafka → Parquet lake → reports, incidents and ticketing.
#[derive(Debug, Parser)]
#[command(
    name = "roomsight",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every subcommand accepts.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Settings file (TOML): keys are flag names, top level for every command or in a table
    /// named after the command (`[simulate]`); `./roomsight.toml` is read when present.
    #[arg(long, global = true, env = "ROOMSIGHT_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<std::path::PathBuf>,

    /// More log output (-v info, -vv debug, -vvv trace); `ROOMSIGHT_LOG` takes a full filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Log line format on stderr.
    #[arg(
        long,
        global = true,
        env = "ROOMSIGHT_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub(crate) log_format: LogFormat,
}

/// Kafka connection flags, shared by the commands that talk to Kafka.
#[derive(Debug, Clone, Args)]
pub(crate) struct KafkaArgs {
    /// Kafka bootstrap servers, `host:port[,host:port…]`.
    #[arg(long, env = "ROOMSIGHT_BROKERS", value_name = "B")]
    pub(crate) brokers: Option<String>,

    /// The telemetry topic.
    #[arg(
        long,
        env = "ROOMSIGHT_TOPIC",
        default_value = "room-telemetry",
        value_name = "T"
    )]
    pub(crate) topic: String,

    /// Extra librdkafka property `key=value` (repeatable), e.g. `security.protocol=ssl`.
    #[arg(long = "kafka-option", env = "ROOMSIGHT_KAFKA_OPTION", value_parser = parse_key_value,
          value_delimiter = ',', value_name = "KEY=VALUE")]
    pub(crate) kafka_options: Vec<(String, String)>,
}

/// The lake flag, shared by every command that reads or writes the lake.
#[derive(Debug, Clone, Args)]
pub(crate) struct LakeArgs {
    /// The lake: a local directory, a `file:///…` URL, or `s3://bucket/prefix` (AWS settings
    /// from the environment or ~/.aws).
    #[arg(long, env = "ROOMSIGHT_LAKE", value_name = "URL")]
    pub(crate) lake: String,
}

/// The deployment's business hours (Monday–Friday, local time of each room), shared by every
/// command that computes reports: `report`, `jobs run`, `demo` and `dashboard`. Set them once for
/// the deployment (`ROOMSIGHT_BUSINESS_START`/`_END`, or `business-start`/`business-end` at the
/// top level of the settings file) so a scheduled run never overwrites a report computed with
/// other hours; a flag wins over the environment, the environment over the file.
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct BusinessHoursArgs {
    /// Start of business hours, local time `HH:MM` (Monday–Friday), for every report.
    #[arg(long, env = "ROOMSIGHT_BUSINESS_START", value_name = "HH:MM", default_value = "08:00",
          value_parser = parse_minute)]
    pub(crate) business_start: i64,

    /// End of business hours, local time `HH:MM` (exclusive; `24:00` for midnight).
    #[arg(long, env = "ROOMSIGHT_BUSINESS_END", value_name = "HH:MM", default_value = "18:00",
          value_parser = parse_minute)]
    pub(crate) business_end: i64,
}

impl BusinessHoursArgs {
    /// The hours as the reports take them.
    pub(crate) fn hours(&self) -> roomsight_queries::reports::BusinessHours {
        roomsight_queries::reports::BusinessHours {
            start_minute: self.business_start,
            end_minute: self.business_end,
        }
    }
}

/// `HH:MM` as minutes after midnight (`24:00` allowed).
pub(crate) fn parse_minute(s: &str) -> Result<i64, String> {
    let bad = || format!("`{s}` is not a time of day; write it as HH:MM, e.g. 08:00");
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..60).contains(&m) || !(0..=24).contains(&h) || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// The whole flow on one machine, nothing to set up: a simulated fleet streams through an
    /// in-process Kafka cluster into the ingest and the lake; prints where everything is.
    Demo(demo::Args),
    /// Check NDJSON telemetry against the contract: counts per type and per reason; exit 1 if
    /// any event is invalid.
    Validate(validate::Args),
    /// The fleet simulator: rooms.csv, events.ndjson and faults.csv (ground truth) for a
    /// seeded, deterministic estate.
    Simulate(simulate::Args),
    /// Kafka (or NDJSON files) → the lake: validated, scrubbed, deduplicated, committed with
    /// the offsets it holds; rejected messages go to dead letters.
    Ingest(ingest::Args),
    /// Merge each partition's small files into a few large ones, sorted and deduplicated by
    /// event_id, without readers ever seeing rows twice; then delete retired files.
    Compact(compact::Args),
    /// Look after the lake itself (`lake status`).
    Lake(lake::Args),
    /// The room directory (`rooms load FILE`): rooms.csv into the lake, bad rows reported with
    /// their line numbers.
    Rooms(rooms::Args),
    /// Run one report of docs/reports.md over a date range (`--from/--to`) or as of a moment
    /// (`--as-of`); print it, export it, and replace its partitions in the lake.
    Report(report::Args),
    /// The report scheduler (`jobs run --schedule FILE`): cron expressions per job, missed runs
    /// caught up, late data recomputed, every run recorded in the lake.
    Jobs(jobs::Args),
    /// The analysts' SQL shell over the lake, its reports and incidents: interactive (line
    /// editing, history, `\d` listings) or one-shot with `-e`/`-f`; table, CSV or JSON output.
    Sql(sql::Args),
    /// The Postgres wire-protocol SQL server for psql and BI tools: read-only, password-protected,
    /// with a memory limit and a timeout per query.
    Serve(serve::Args),
    /// Write the self-contained HTML estate dashboard (`--out DIR`); prints the page's path.
    Dashboard(dashboard::Args),
    /// Read and manage incidents (`list`, `show ID`, `open …`, `close ID`).
    Incidents(incidents::Args),
    /// Run the rules and the anomaly model over a date range and apply the lifecycle
    /// of docs/incidents.md: open, update, resolve, reopen, auto-close; re-running changes nothing.
    Detect(detect::Args),
    /// Deliver incident events to the ticketing sinks (Kafka `room-incidents`, ServiceNow,
    /// a webhook) from the lake's durable outbox, in order per incident, exactly once in effect.
    Feed(feed::Args),
    /// The anomaly model: `train` on a lake, `eval` against labelled faults, `score` a CSV series.
    Models(models::Args),
    /// Maintenance windows (`add`, `list`, `end ID`): planned work on a room, a room system or a
    /// peripheral during which detection opens no incident.
    Maintenance(maintenance::Args),
    /// Judge a release (`updates gate`): the update_impact row of a component, version and ring,
    /// exiting 0 promote, 3 hold, 4 halt, so a rollout pipeline can stop itself.
    Updates(updates::Args),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
