//! `roomsight incidents (list | show ID | open … | close ID)`: reads and manages incidents.

use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use roomsight_pipeline::incidents::model::rfc3339;
use roomsight_pipeline::incidents::{
    self, CustomerReport, IncidentEvent, IncidentStore, Kind, Severity, State,
};
use serde_json::Value;

use crate::cli::LakeArgs;
use crate::cmd::lake::{open_existing, runtime};

/// Flags of `roomsight incidents`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: IncidentsCommand,
}

/// The subcommands of `roomsight incidents`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum IncidentsCommand {
    /// One row per incident (open and resolved; `--all` adds closed ones), newest first.
    List(ListArgs),
    /// One incident and every event of its history.
    Show(ShowArgs),
    /// Open an incident by hand (customer-initiated; closes after 3 business days without
    /// activity).
    Open(OpenArgs),
    /// Close an incident by hand: a customer incident when open or resolved, an incident
    /// detection opened only once it is resolved (exit 1 while it is still open).
    Close(CloseArgs),
}

/// Output flags shared by the subcommands.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct OutputArgs {
    /// Output format.
    #[arg(long, env = "ROOMSIGHT_FORMAT", value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
}

/// How incidents are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns for people.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// Flags of `incidents list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    /// Include closed incidents.
    #[arg(long, env = "ROOMSIGHT_ALL")]
    pub(crate) all: bool,
}

/// Flags of `incidents show`.
#[derive(Debug, clap::Args)]
pub(crate) struct ShowArgs {
    /// The incident's id.
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// Flags of `incidents open`.
#[derive(Debug, clap::Args)]
pub(crate) struct OpenArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
    /// The kind of problem.
    #[arg(long, env = "ROOMSIGHT_KIND", value_parser = parse_kind)]
    pub(crate) kind: Kind,
    /// The room.
    #[arg(long, env = "ROOMSIGHT_ROOM")]
    pub(crate) room: String,
    /// The room system (device id).
    #[arg(long, env = "ROOMSIGHT_DEVICE")]
    pub(crate) device: String,
    /// The peripheral, when the problem is with one.
    #[arg(long, env = "ROOMSIGHT_PERIPHERAL")]
    pub(crate) peripheral: Option<String>,
    /// What the person saw, in one line.
    #[arg(long, env = "ROOMSIGHT_SUMMARY")]
    pub(crate) summary: String,
    /// The severity; by default the kind's (critical for outages, warning otherwise).
    #[arg(long, env = "ROOMSIGHT_SEVERITY", value_parser = parse_severity)]
    pub(crate) severity: Option<Severity>,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// Flags of `incidents close`.
#[derive(Debug, clap::Args)]
pub(crate) struct CloseArgs {
    /// The incident's id.
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) lake: LakeArgs,
    /// Why it is closed (kept in the incident's details and sent to the ticket).
    #[arg(long, env = "ROOMSIGHT_NOTE")]
    pub(crate) note: Option<String>,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

fn parse_kind(s: &str) -> Result<Kind, String> {
    s.parse().map_err(|e| format!("{e}"))
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse().map_err(|e| format!("{e}"))
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        IncidentsCommand::List(a) => list(a),
        IncidentsCommand::Show(a) => show(a),
        IncidentsCommand::Open(a) => open(a),
        IncidentsCommand::Close(a) => close(a),
    }
}

fn store(lake: &LakeArgs) -> anyhow::Result<IncidentStore> {
    let lake = open_existing(&lake.lake)?;
    Ok(IncidentStore::new(std::sync::Arc::clone(lake.store())))
}

fn list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let store = store(&args.lake)?;
    let all = runtime()?
        .block_on(incidents::incidents(&store))
        .context("while reading the incidents")?;
    let mut rows: Vec<&IncidentEvent> = all
        .latest
        .iter()
        .filter(|e| args.all || e.state != State::Closed)
        .collect();
    rows.sort_by(|a, b| {
        b.opened_at
            .cmp(&a.opened_at)
            .then(a.incident_id.cmp(&b.incident_id))
    });
    print_incidents(&rows, args.output.format);
    Ok(ExitCode::SUCCESS)
}

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let store = store(&args.lake)?;
    let history = runtime()?.block_on(incidents::history(&store, &args.id))?;
    let latest = history.last().expect("history is never empty");
    match args.output.format {
        Format::Json => {
            let doc = serde_json::json!({
                "incident": row_json(latest),
                "events": history.iter().map(event_json).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Format::Csv => print_events(&history, Format::Csv),
        Format::Table => {
            print_incidents(&[latest], Format::Table);
            println!("\nsummary: {}", latest.summary);
            if !latest.details.is_empty() {
                println!("details: {}", Value::Object(latest.details.clone()));
            }
            println!();
            print_events(&history, Format::Table);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn open(args: OpenArgs) -> anyhow::Result<ExitCode> {
    let store = store(&args.lake)?;
    let report = CustomerReport {
        kind: args.kind,
        severity: args.severity,
        room_id: args.room,
        device_id: args.device,
        peripheral_id: args.peripheral,
        summary: args.summary,
    };
    let event = runtime()?.block_on(incidents::open_customer(&store, report, Utc::now()))?;
    print_changed(&event, args.output.format)?;
    Ok(ExitCode::SUCCESS)
}

fn close(args: CloseArgs) -> anyhow::Result<ExitCode> {
    let store = store(&args.lake)?;
    let event = runtime()?.block_on(incidents::close(&store, &args.id, args.note, Utc::now()))?;
    print_changed(&event, args.output.format)?;
    Ok(ExitCode::SUCCESS)
}

fn print_changed(event: &IncidentEvent, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&row_json(event))?),
        Format::Csv => print_incidents(&[event], Format::Csv),
        Format::Table => println!("{} {} ({})", event.event, event.incident_id, event.state),
    }
    Ok(())
}

const LIST_COLUMNS: [&str; 13] = [
    "incident_id",
    "kind",
    "severity",
    "state",
    "origin",
    "room_id",
    "device_id",
    "peripheral_id",
    "opened_at",
    "last_seen_at",
    "resolved_at",
    "closed_at",
    "summary",
];

fn ts(t: Option<DateTime<Utc>>) -> String {
    t.map(rfc3339).unwrap_or_default()
}

fn row_cells(e: &IncidentEvent) -> Vec<String> {
    vec![
        e.incident_id.clone(),
        e.kind.to_string(),
        e.severity.to_string(),
        e.state.to_string(),
        e.origin.to_string(),
        e.room_id.clone(),
        e.device_id.clone(),
        e.peripheral_id.clone().unwrap_or_default(),
        rfc3339(e.opened_at),
        rfc3339(e.last_seen_at),
        ts(e.resolved_at),
        ts(e.closed_at),
        e.summary.clone(),
    ]
}

fn row_json(e: &IncidentEvent) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in LIST_COLUMNS.iter().zip(row_cells(e)) {
        let v = if v.is_empty() && *k != "summary" {
            Value::Null
        } else {
            Value::from(v)
        };
        m.insert((*k).to_string(), v);
    }
    m.insert("details".into(), Value::Object(e.details.clone()));
    Value::Object(m)
}

fn print_incidents(rows: &[&IncidentEvent], format: Format) {
    match format {
        Format::Json => {
            let doc: Vec<Value> = rows.iter().map(|e| row_json(e)).collect();
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Csv => print_csv(&LIST_COLUMNS, rows.iter().map(|e| row_cells(e))),
        Format::Table => print_table(
            &LIST_COLUMNS[..12],
            rows.iter().map(|e| {
                let mut c = row_cells(e);
                c.truncate(12);
                c
            }),
        ),
    }
}

const EVENT_COLUMNS: [&str; 7] = [
    "seq",
    "event",
    "event_at",
    "state",
    "severity",
    "last_seen_at",
    "summary",
];

fn event_cells(e: &IncidentEvent) -> Vec<String> {
    vec![
        e.seq.to_string(),
        e.event.to_string(),
        rfc3339(e.event_at),
        e.state.to_string(),
        e.severity.to_string(),
        rfc3339(e.last_seen_at),
        e.summary.clone(),
    ]
}

fn event_json(e: &IncidentEvent) -> Value {
    let mut v = Value::Object(e.feed_json());
    v["seq"] = Value::from(e.seq);
    v["last_seen_at"] = Value::from(rfc3339(e.last_seen_at));
    v["recorded_at"] = Value::from(rfc3339(e.recorded_at));
    v
}

fn print_events(events: &[IncidentEvent], format: Format) {
    let rows = events.iter().map(event_cells);
    match format {
        Format::Csv => print_csv(&EVENT_COLUMNS, rows),
        _ => print_table(&EVENT_COLUMNS, rows),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub(crate) fn print_csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    println!("{}", header.join(","));
    for row in rows {
        println!(
            "{}",
            row.iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(",")
        );
    }
}

pub(crate) fn print_table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let rows: Vec<Vec<String>> = rows.collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
