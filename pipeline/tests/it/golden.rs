//! Golden tests of the report SQL: each case is a folder of `pipeline/tests/golden/` holding
//! input events and the expected output of some reports, one CSV per report.
//!
//! A case folder holds:
//! - `case.json`: `{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "reports": ["name", …]}`, the
//!   local dates the reports run over and which reports to run;
//! - `rooms.csv` (optional): the room directory, loaded as `roomsight rooms load` loads it;
//! - `events.ndjson` (optional): telemetry in the contract, ingested as `roomsight ingest --file`
//!   ingests it (validation, dedup, Hive partitions);
//! - `incidents.ndjson` (optional): incident events as the feed carries them (`incident_id,
//!   event, kind, severity, state, room_id, device_id, peripheral_id, opened_at, event_at`, and
//!   optionally `origin`, `summary`, `details`), in order per incident (their `seq` is their
//!   order), written into the lake's incident store;
//! - `maintenance.ndjson` (optional): maintenance windows, one a line (`room_id`, optional
//!   `device_id` and `kind`, `from`, `to`, `reason`, `created_by`, `created_at`, and optionally
//!   `ended_at`), added as `roomsight maintenance add` adds them at `created_at`, and ended early
//!   at `ended_at` as `roomsight maintenance end` ends them;
//! - `<report>.csv`: the expected rows, as `roomsight report <report> --format csv` prints them;
//! - `README.md`: what the case covers and the expected values worked out by hand from the
//!   definitions (the CSVs were checked against that arithmetic, not just blessed).
//!
//! The test loads every case into its own temporary lake through those real paths, runs each
//! report with the report runner (and writes its outputs into the lake, as `roomsight report`
//! does), renders CSV with the exporter and compares it with the expected file; every mismatch
//! of every case is listed with a line diff.
//!
//! To regenerate the expected files after an intended change (like DataFusion's sqllogictest
//! `--complete`), run the test with `ROOMSIGHT_GOLDEN=complete` and review the diff in git:
//!
//! ```text
//! ROOMSIGHT_GOLDEN=complete cargo test --workspace --locked -- golden
//! git diff pipeline/tests/golden
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use roomsight_ingest::lake::directory::write_rooms;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::metrics::Metrics;
use roomsight_ingest::rooms::read_rooms;
use roomsight_ingest::run::{Shutdown, files};
use roomsight_ingest::writer::{LakeWriter, WriterConfig};
use roomsight_pipeline::incidents::{
    EventKind, IncidentEvent, IncidentStore, Kind, Origin, Severity, State,
};
use roomsight_pipeline::maintenance::{self, MaintenanceStore, NewWindow};
use roomsight_pipeline::report::{Format, run_report, write_outputs, write_text};
use roomsight_queries::reports::{ReportParams, Window};
use roomsight_queries::{Catalog, CatalogOptions};
use serde_json::{Map, Value};

/// The environment switch that rewrites the expected files.
const SWITCH: &str = "ROOMSIGHT_GOLDEN";

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn text(v: &Value, field: &str, line: usize) -> String {
    v.get(field)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("incidents.ndjson line {line}: `{field}` must be a string"))
        .to_owned()
}

fn instant(v: &Value, field: &str, line: usize) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&text(v, field, line))
        .unwrap_or_else(|e| panic!("incidents.ndjson line {line}: `{field}`: {e}"))
        .with_timezone(&Utc)
}

/// Incident events from feed-shaped JSON lines; `seq` counts per incident in file order,
/// `last_seen_at` is the event's time, `resolved_at`/`closed_at` follow the history.
fn incident_events(path: &Path) -> Vec<IncidentEvent> {
    let body = std::fs::read_to_string(path).unwrap();
    let mut events: Vec<IncidentEvent> = Vec::new();
    for (i, raw) in body.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(raw)
            .unwrap_or_else(|e| panic!("{} line {line}: {e}", path.display()));
        let id = text(&v, "incident_id", line);
        let previous = events.iter().rev().find(|e| e.incident_id == id);
        let event: EventKind = text(&v, "event", line).parse().unwrap();
        let state: State = text(&v, "state", line).parse().unwrap();
        let event_at = instant(&v, "event_at", line);
        let resolved_at = match (event, previous) {
            (EventKind::Resolved, _) => Some(event_at),
            (EventKind::Reopened, _) => None,
            (_, Some(p)) => p.resolved_at,
            (_, None) => None,
        };
        let closed_at = match (event, previous) {
            (EventKind::Closed, _) => Some(event_at),
            (_, Some(p)) => p.closed_at,
            (_, None) => None,
        };
        let kind: Kind = text(&v, "kind", line).parse().unwrap();
        events.push(IncidentEvent {
            incident_id: id.clone(),
            seq: previous.map_or(1, |p| p.seq + 1),
            event,
            kind,
            severity: text(&v, "severity", line).parse::<Severity>().unwrap(),
            state,
            origin: v
                .get("origin")
                .and_then(Value::as_str)
                .unwrap_or("system")
                .parse::<Origin>()
                .unwrap(),
            room_id: text(&v, "room_id", line),
            device_id: text(&v, "device_id", line),
            peripheral_id: v
                .get("peripheral_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            opened_at: instant(&v, "opened_at", line),
            event_at,
            last_seen_at: event_at,
            resolved_at,
            closed_at,
            summary: v
                .get("summary")
                .and_then(Value::as_str)
                .unwrap_or(kind.title())
                .to_owned(),
            details: v
                .get("details")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_else(Map::new),
            recorded_at: event_at,
        });
    }
    events
}

/// Adds (and, where a line says `ended_at`, ends) the maintenance windows of
/// `maintenance.ndjson` through the same calls as `roomsight maintenance add|end`.
fn maintenance_windows(path: &Path, store: &MaintenanceStore, runtime: &tokio::runtime::Runtime) {
    let body = std::fs::read_to_string(path).unwrap();
    for (i, raw) in body.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(raw)
            .unwrap_or_else(|e| panic!("{} line {line}: {e}", path.display()));
        let optional = |field: &str| v.get(field).and_then(Value::as_str).map(str::to_owned);
        let new = NewWindow {
            room_id: text(&v, "room_id", line),
            device_id: optional("device_id"),
            kind: optional("kind").map(|k| k.parse::<Kind>().unwrap()),
            from: instant(&v, "from", line),
            to: instant(&v, "to", line),
            reason: text(&v, "reason", line),
            created_by: text(&v, "created_by", line),
        };
        let window = runtime
            .block_on(maintenance::add(
                store,
                new,
                instant(&v, "created_at", line),
            ))
            .unwrap_or_else(|e| panic!("{} line {line}: {e}", path.display()));
        if v.get("ended_at").is_some() {
            runtime
                .block_on(maintenance::end(
                    store,
                    &window.window_id,
                    instant(&v, "ended_at", line),
                ))
                .unwrap_or_else(|e| panic!("{} line {line}: {e}", path.display()));
        }
    }
}

/// Loads a case's inputs into a fresh lake at `lake_dir`.
fn load_case(case: &Path, lake_dir: &Path, runtime: &tokio::runtime::Runtime) {
    let url = lake_dir.display().to_string();
    let lake = Lake::open(&url).unwrap();
    let rooms = case.join("rooms.csv");
    if rooms.is_file() {
        let directory = read_rooms(std::fs::File::open(&rooms).unwrap()).unwrap();
        assert!(
            directory.rejected.is_empty(),
            "{}: {:?}",
            rooms.display(),
            directory.rejected
        );
        runtime
            .block_on(write_rooms(&lake, &directory.rooms))
            .unwrap();
    }
    let events = case.join("events.ndjson");
    if events.is_file() {
        let mut writer = LakeWriter::open(
            lake.clone(),
            runtime.handle().clone(),
            WriterConfig::default(),
            Arc::new(Metrics::new()),
        )
        .unwrap();
        let summary = files::run(&[&events], &mut writer, &Shutdown::new(), &mut |_| {}).unwrap();
        assert!(summary.rows > 0, "{}: no valid events", events.display());
    }
    let incidents = case.join("incidents.ndjson");
    if incidents.is_file() {
        let store = IncidentStore::new(Arc::clone(lake.store()));
        runtime
            .block_on(store.append(&incident_events(&incidents)))
            .unwrap();
    }
    let maintenance = case.join("maintenance.ndjson");
    if maintenance.is_file() {
        let store = MaintenanceStore::new(Arc::clone(lake.store()));
        maintenance_windows(&maintenance, &store, runtime);
    }
}

fn date(v: &Value, field: &str, case: &Path) -> NaiveDate {
    v.get(field)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{}/case.json: `{field}` must be a date", case.display()))
}

/// A line diff of expected and actual text: lines only in one side, marked `-` and `+`.
fn diff(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => {
                let _ = writeln!(out, "  {x}");
            }
            (x, y) => {
                if let Some(x) = x {
                    let _ = writeln!(out, "- {x}");
                }
                if let Some(y) = y {
                    let _ = writeln!(out, "+ {y}");
                }
            }
        }
    }
    out
}

#[test]
fn golden_cases_match_their_expected_reports() {
    let complete = std::env::var(SWITCH).is_ok_and(|v| v == "complete");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", cases_dir().display());
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in &cases {
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap())
                .unwrap();
        let window = Window::Range {
            from: date(&spec, "from", case),
            to: date(&spec, "to", case),
        };
        let lake_dir = tempfile::tempdir().unwrap();
        load_case(case, lake_dir.path(), &runtime);
        let catalog = runtime
            .block_on(Catalog::open(
                &lake_dir.path().display().to_string(),
                CatalogOptions::default(),
            ))
            .unwrap();
        let names = spec["reports"].as_array().cloned().unwrap_or_default();
        assert!(
            !names.is_empty(),
            "{}: case.json names no reports",
            case.display()
        );
        for name in names {
            let name = name.as_str().unwrap();
            let run = match runtime.block_on(run_report(&catalog, name, &ReportParams::new(window)))
            {
                Ok(run) => run,
                Err(e) => {
                    failures.push(format!("{}: {name} failed: {e:?}", case.display()));
                    continue;
                }
            };
            runtime.block_on(write_outputs(&catalog, &run)).unwrap();
            let mut csv = Vec::new();
            write_text(&run, Format::Csv, &mut csv, name).unwrap();
            let actual = String::from_utf8(csv).unwrap();
            let expected_path = case.join(format!("{name}.csv"));
            if complete {
                std::fs::write(&expected_path, &actual).unwrap();
                continue;
            }
            compared += 1;
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != actual {
                failures.push(format!(
                    "{} ({}):\n{}",
                    expected_path.display(),
                    if expected.is_empty() {
                        "missing or empty"
                    } else {
                        "differs"
                    },
                    diff(&expected, &actual)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} golden outputs differ (rerun with {SWITCH}=complete to rewrite them, \
         then review `git diff`):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
