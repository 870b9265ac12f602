//! `roomsight updates gate`: the update_impact judgement of one release in one ring, with why,
//! as an exit code a rollout pipeline can act on (0 promote, 3 hold, 4 halt, 1 no such release
//! in that ring).

use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use roomsight_pipeline::gate::{self, Verdict};
use roomsight_queries::{Catalog, CatalogOptions};

use crate::cli::LakeArgs;
use crate::cmd::lake::{open_existing, runtime};
use crate::cmd::maintenance::parse_ts;

/// Flags of `roomsight updates`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: UpdatesCommand,
}

/// The subcommands of `roomsight updates`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum UpdatesCommand {
    /// Judge a release in a ring from update_impact: exit 0 promote, 3 hold, 4 halt, 1 when no
    /// target in that ring has taken it.
    // `--version` names the release here, not roomsight's own version.
    #[command(disable_version_flag = true)]
    Gate(GateArgs),
}

/// Flags of `updates gate`.
#[derive(Debug, clap::Args)]
pub(crate) struct GateArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
    /// The component.
    #[arg(long, env = "ROOMSIGHT_COMPONENT", value_parser = [
        "teams_app", "firmware", "operating_system", "admin_agent", "partner_agent",
    ])]
    pub(crate) component: String,
    /// The release (the updates' to_version).
    #[arg(long, env = "ROOMSIGHT_VERSION")]
    pub(crate) version: String,
    /// The ring (as in rooms.csv, e.g. validation, pilot, general).
    #[arg(long, env = "ROOMSIGHT_RING")]
    pub(crate) ring: String,
    /// Judge as of this moment (RFC 3339 or `now`; default now).
    #[arg(long, env = "ROOMSIGHT_AS_OF", value_parser = parse_ts, value_name = "TS")]
    pub(crate) as_of: Option<DateTime<Utc>>,
}

/// The exit code of a verdict.
pub(crate) fn exit_code(v: Verdict) -> u8 {
    match v {
        Verdict::Promote => 0,
        Verdict::Hold => 3,
        Verdict::Halt => 4,
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        UpdatesCommand::Gate(a) => gate(a),
    }
}

fn gate(args: GateArgs) -> anyhow::Result<ExitCode> {
    open_existing(&args.lake.lake)?;
    let as_of = args.as_of.unwrap_or_else(Utc::now);
    runtime()?.block_on(async {
        let catalog = Catalog::open(&args.lake.lake, CatalogOptions::default())
            .await
            .context("while opening the lake's catalog")?;
        let rows = gate::impact(&catalog, as_of)
            .await
            .context("while computing update_impact")?;
        let row = rows.iter().find(|r| {
            r.component == args.component
                && r.to_version == args.version
                && r.ring.as_deref() == Some(args.ring.as_str())
        });
        let Some(row) = row.filter(|r| r.targets > 0) else {
            let mut known: Vec<String> = rows
                .iter()
                .filter(|r| r.component == args.component)
                .map(|r| {
                    format!(
                        "{} ({})",
                        r.to_version,
                        r.ring.as_deref().unwrap_or("no ring")
                    )
                })
                .collect();
            known.dedup();
            let known = if known.is_empty() {
                format!("no {} release has been taken by any target", args.component)
            } else {
                format!("releases taken so far: {}", known.join(", "))
            };
            eprintln!(
                "error: no target in ring {} has taken {} {} as of {}: check --version and \
                 --ring ({known})",
                args.ring,
                args.component,
                args.version,
                as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            return Ok(ExitCode::from(1));
        };
        println!("{}", row.why());
        let alongside = row.halted_alongside(&rows);
        if !alongside.is_empty() {
            let names: Vec<String> = alongside.iter().map(|r| r.release()).collect();
            println!(
                "note: {} is halted too, its first update within a week of this release's: \
                 this release is charged with its room systems' peripheral incidents as well, \
                 so it may be sharing that firmware's blame; judge the firmware first \
                 (docs/maintenance-and-updates.md)",
                names.join(", ")
            );
        }
        Ok(ExitCode::from(exit_code(row.verdict)))
    })
}
