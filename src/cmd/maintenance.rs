//! `roomsight maintenance (add | list | end ID)`: maintenance windows, planned work that must
//! page no one (incidents.md).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use roomsight_pipeline::incidents::Kind;
use roomsight_pipeline::incidents::model::rfc3339;
use roomsight_pipeline::maintenance::{self, MaintenanceStore, NewWindow, Window};
use roomsight_queries::{Catalog, CatalogOptions};
use serde_json::Value;

use crate::cli::LakeArgs;
use crate::cmd::incidents::{Format, OutputArgs, print_csv, print_table};
use crate::cmd::lake::{open_existing, runtime};

/// Flags of `roomsight maintenance`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: MaintenanceCommand,
}

/// The subcommands of `roomsight maintenance`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum MaintenanceCommand {
    /// Add a window: no incident opens inside it for the room (or one of its room systems or
    /// peripherals, or one incident kind); prints the window's id.
    Add(AddArgs),
    /// The windows not yet over (`--all`: every window), by start.
    List(ListArgs),
    /// End a window now (its `to` moves to this moment).
    End(EndArgs),
}

/// Flags of `maintenance add`.
#[derive(Debug, clap::Args)]
pub(crate) struct AddArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
    /// The room (as in the room directory).
    #[arg(long, env = "ROOMSIGHT_ROOM")]
    pub(crate) room: String,
    /// Only this room system or peripheral (default: the whole room).
    #[arg(long, env = "ROOMSIGHT_DEVICE")]
    pub(crate) device: Option<String>,
    /// Only this incident kind (default: every kind).
    #[arg(long, env = "ROOMSIGHT_KIND", value_parser = parse_kind)]
    pub(crate) kind: Option<Kind>,
    /// Start, RFC 3339 (e.g. 2026-11-24T08:00:00Z) or `now`; may be in the past.
    #[arg(long, env = "ROOMSIGHT_FROM", value_parser = parse_ts, value_name = "TS")]
    pub(crate) from: DateTime<Utc>,
    /// End (exclusive), RFC 3339 or `now`; must be after --from.
    #[arg(long, env = "ROOMSIGHT_TO", value_parser = parse_ts, value_name = "TS")]
    pub(crate) to: DateTime<Utc>,
    /// Why (shown with the window and in health_overview's reasons).
    #[arg(long, env = "ROOMSIGHT_REASON")]
    pub(crate) reason: String,
    /// Who adds it (free text, e.g. a team).
    #[arg(long, env = "ROOMSIGHT_CREATED_BY", default_value = "roomsight-cli")]
    pub(crate) created_by: String,
    /// Accept a room that is not in the room directory.
    #[arg(long, env = "ROOMSIGHT_FORCE")]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// Flags of `maintenance list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
    /// Include windows that are over.
    #[arg(long, env = "ROOMSIGHT_ALL")]
    pub(crate) all: bool,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// Flags of `maintenance end`.
#[derive(Debug, clap::Args)]
pub(crate) struct EndArgs {
    /// The window's id (as `maintenance add` printed it).
    pub(crate) window_id: String,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    s.parse().map_err(|e| format!("{e}"))
}

/// An RFC 3339 moment, or `now`.
pub(crate) fn parse_ts(s: &str) -> Result<DateTime<Utc>, String> {
    if s.eq_ignore_ascii_case("now") {
        return Ok(Utc::now());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("`{s}` is not an RFC 3339 time such as 2026-11-24T08:00:00Z ({e})"))
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        MaintenanceCommand::Add(a) => add(a),
        MaintenanceCommand::List(a) => list(a),
        MaintenanceCommand::End(a) => end(a),
    }
}

fn store(lake: &LakeArgs) -> anyhow::Result<MaintenanceStore> {
    let lake = open_existing(&lake.lake)?;
    Ok(MaintenanceStore::new(Arc::clone(lake.store())))
}

fn add(args: AddArgs) -> anyhow::Result<ExitCode> {
    let store = store(&args.lake)?;
    runtime()?.block_on(async {
        if !args.force {
            let catalog = Catalog::open(&args.lake.lake, CatalogOptions::default())
                .await
                .context("while opening the lake's catalog")?;
            let rooms = roomsight_pipeline::detect::room_zones(&catalog)
                .await
                .context("while reading the room directory")?;
            if !rooms.contains_key(&args.room) {
                anyhow::bail!(
                    "room `{}` is not in the room directory ({} rooms): check the id, load \
                     rooms.csv with `roomsight rooms load`, or pass --force to add the window anyway",
                    args.room,
                    rooms.len()
                );
            }
        }
        let new = NewWindow {
            room_id: args.room,
            device_id: args.device,
            kind: args.kind,
            from: args.from,
            to: args.to,
            reason: args.reason,
            created_by: args.created_by,
        };
        let window = maintenance::add(&store, new, Utc::now()).await?;
        match args.output.format {
            Format::Table => println!("{}", window.window_id),
            f => print_windows(&[&window], f),
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let store = store(&args.lake)?;
    let now = Utc::now();
    let all = runtime()?
        .block_on(maintenance::windows(&store))
        .context("while reading the maintenance windows")?;
    let mut rows: Vec<&Window> = all.iter().filter(|w| args.all || w.to > now).collect();
    rows.sort_by(|a, b| a.from.cmp(&b.from).then(a.window_id.cmp(&b.window_id)));
    print_windows(&rows, args.output.format);
    Ok(ExitCode::SUCCESS)
}

fn end(args: EndArgs) -> anyhow::Result<ExitCode> {
    let store = store(&args.lake)?;
    let window = runtime()?.block_on(maintenance::end(&store, &args.window_id, Utc::now()))?;
    match args.output.format {
        Format::Table => println!("ended {} at {}", window.window_id, rfc3339(window.to)),
        f => print_windows(&[&window], f),
    }
    Ok(ExitCode::SUCCESS)
}

const COLUMNS: [&str; 10] = [
    "window_id",
    "room_id",
    "device_id",
    "kind",
    "from",
    "to",
    "reason",
    "created_by",
    "created_at",
    "ended_at",
];

fn cells(w: &Window) -> Vec<String> {
    vec![
        w.window_id.clone(),
        w.room_id.clone(),
        w.device_id.clone().unwrap_or_default(),
        w.kind.map(|k| k.to_string()).unwrap_or_default(),
        rfc3339(w.from),
        rfc3339(w.to),
        w.reason.clone(),
        w.created_by.clone(),
        rfc3339(w.created_at),
        w.ended_at.map(rfc3339).unwrap_or_default(),
    ]
}

fn print_windows(rows: &[&Window], format: Format) {
    match format {
        Format::Json => {
            let doc: Vec<Value> = rows
                .iter()
                .map(|w| {
                    let m: serde_json::Map<String, Value> = COLUMNS
                        .iter()
                        .zip(cells(w))
                        .map(|(k, v)| {
                            let v = if v.is_empty() && !matches!(*k, "reason" | "created_by") {
                                Value::Null
                            } else {
                                Value::from(v)
                            };
                            ((*k).to_string(), v)
                        })
                        .collect();
                    Value::Object(m)
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Csv => print_csv(&COLUMNS, rows.iter().map(|w| cells(w))),
        Format::Table => print_table(&COLUMNS, rows.iter().map(|w| cells(w))),
    }
}
