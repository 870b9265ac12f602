//! `roomsight ingest --file`: a simulated backfill with resends, late events, every invalid
//! class and personal data lands exactly as the contract says, readable by outside engines.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use predicates::prelude::*;
use roomsight_ingest::{Timestamp, validate};
use serde_json::Value;

use crate::roomsight;

/// One invalid line per reason of the contract, and the reason's name.
fn invalid_lines() -> Vec<(&'static str, String)> {
    let hb = crate::heartbeat("bad");
    vec![
        (
            "malformed",
            "{\"schema\":\"roomsight.telemetry/v1\",".to_string(),
        ),
        (
            "malformed",
            // A broken line that carries personal data: it must be scrubbed in dead letters.
            "{\"owner\":\"jane.doe@contoso.com\" oops".to_string(),
        ),
        (
            "unknown_schema",
            hb.replace("roomsight.telemetry/v1", "roomsight.telemetry/v0"),
        ),
        ("unknown_type", hb.replace("\"heartbeat\"", "\"weather\"")),
        ("missing_field", hb.replace("\"room_id\":\"room-1\",", "")),
        (
            "wrong_type",
            hb.replace("\"uptime_s\":3600", "\"uptime_s\":true"),
        ),
        (
            "out_of_range",
            hb.replace("\"mem_pct\":40", "\"mem_pct\":-1"),
        ),
        (
            "future_ts",
            hb.replace("2026-11-24T09:15:00Z", "2999-12-31T00:00:00Z"),
        ),
        (
            "too_large",
            hb.replace(
                "\"platform\"",
                &format!("\"pad\":\"{}\",\"platform\"", "x".repeat(1_100_000)),
            ),
        ),
    ]
}

/// A log line whose message names a person.
fn personal_log(id: &str) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"log","event_id":"{id}","ts":"2026-11-24T10:00:00Z","device_id":"dev-1","room_id":"room-1","level":"error","source":"signin","message":"token refresh failed for user alex.smith@fabrikam.com (UPN j.doe@corp.example.org)"}}"#
    )
}

/// The distinct valid event ids per event type, judged by the library.
fn expected(events: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read(events).unwrap();
    let now = Timestamp::now();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        if let Ok(event) = validate(line, now) {
            out.entry(event.event_type().to_string())
                .or_default()
                .insert(event.event_id.to_string());
        }
    }
    out
}

/// The Python that has pyarrow and DuckDB (scripts/test installs them).
fn python() -> String {
    std::env::var("ROOMSIGHT_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Reads the lake with pyarrow and DuckDB (no roomsight code).
fn read_with_outside_engines(lake: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/read_lake.py");
    let out = std::process::Command::new(python())
        .arg(script)
        .arg(lake)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "reading the lake with pyarrow/duckdb failed (scripts/test installs them into \
         ~/.cache/roomsight/venv): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const TABLES: [(&str, &str); 7] = [
    ("heartbeat", "heartbeats"),
    ("peripheral", "peripheral_states"),
    ("meeting", "meetings"),
    ("booking", "bookings"),
    ("update", "updates"),
    ("enrollment", "enrollments"),
    ("log", "logs"),
];

#[test]
fn a_backfill_lands_every_valid_event_once_and_every_reject_as_a_dead_letter() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    roomsight()
        .args([
            "simulate",
            "--rooms",
            "4",
            "--days",
            "2",
            "--start",
            "2026-03-26",
        ])
        .args([
            "--seed",
            "5",
            "--duplicates",
            "0.05",
            "--late",
            "0.05",
            "--out",
        ])
        .arg(&sim)
        .assert()
        .success();
    // Mix every invalid class and personal data into the stream.
    let events = sim.join("events.ndjson");
    let text = std::fs::read_to_string(&events).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut mixed = std::fs::File::create(&events).unwrap();
    let bad = invalid_lines();
    let every = lines.len() / (bad.len() + 2);
    for (i, line) in lines.iter().enumerate() {
        writeln!(mixed, "{line}").unwrap();
        if i % every == every / 2 && i / every < bad.len() {
            writeln!(mixed, "{}", bad[i / every].1).unwrap();
        }
    }
    writeln!(mixed, "{}", personal_log("pii-1")).unwrap();
    writeln!(mixed, "{}", personal_log("pii-1")).unwrap();
    drop(mixed);
    let want = expected(&events);

    let lake = dir.path().join("lake");
    roomsight()
        .args(["ingest", "--lake"])
        .arg(&lake)
        .arg("--file")
        .arg(&events)
        .args(["--flush-mb", "2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("dead letters: 2 malformed"))
        .stdout(predicate::str::contains("personal data redacted"));

    let seen = read_with_outside_engines(&lake);
    for (event_type, table) in TABLES {
        let n = want.get(event_type).map_or(0, BTreeSet::len) as u64;
        let t = &seen[table];
        assert_eq!(
            t["rows"].as_u64(),
            Some(n),
            "{table}: every valid event once"
        );
        assert_eq!(t["distinct_ids"].as_u64(), Some(n), "{table}: no id twice");
        assert_eq!(t["duckdb_rows"].as_u64(), Some(n), "{table}: DuckDB agrees");
        assert_eq!(
            t["misplaced"].as_u64(),
            Some(0),
            "{table}: late events in their own date"
        );
        assert_eq!(
            t["emails"].as_u64(),
            Some(0),
            "{table}: no e-mail address survives"
        );
    }
    let mut want_reasons: BTreeMap<String, u64> = BTreeMap::new();
    for (reason, _) in &bad {
        *want_reasons.entry((*reason).to_string()).or_default() += 1;
    }
    let got_reasons: BTreeMap<String, u64> =
        serde_json::from_value(seen["dead_letters"]["reasons"].clone()).unwrap();
    assert_eq!(got_reasons, want_reasons);
    assert_eq!(seen["dead_letters"]["emails"].as_u64(), Some(0));

    // A rerun of the same backfill adds nothing.
    roomsight()
        .args(["ingest", "--lake"])
        .arg(&lake)
        .arg("--file")
        .arg(&events)
        .assert()
        .success()
        .stdout(predicate::str::contains("read 0 messages"));
}

#[test]
fn ingest_without_a_source_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    roomsight()
        .args(["ingest", "--lake"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--file"));
}

#[test]
fn the_demo_streams_a_fleet_through_kafka_into_the_lake() {
    let dir = tempfile::tempdir().unwrap();
    // A pinned business day (a Monday): the reports have meetings to count whatever day the
    // test runs on (the default window's choice of days is unit-tested in `cmd::demo`).
    let out = roomsight()
        .args([
            "demo",
            "--rooms",
            "3",
            "--days",
            "1",
            "--start",
            "2026-11-02",
            "--dir",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("kafka:room-telemetry"))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    // Every event the simulator reports as distinct is in the lake once.
    let events: u64 = text
        .lines()
        .find_map(|l| l.split(": ").nth(1)?.split(' ').next()?.parse().ok())
        .expect("the summary names the number of events");
    let seen = read_with_outside_engines(&dir.path().join("lake"));
    let rows: u64 = TABLES
        .iter()
        .map(|(_, t)| seen.get(*t).and_then(|v| v["rows"].as_u64()).unwrap_or(0))
        .sum();
    assert_eq!(rows, events, "{text}");

    // Then every report ran, and the inventory export and the dashboard are where it says.
    let printed = |label: &str| {
        let line = text.lines().find(|l| l.starts_with(label)).unwrap();
        std::path::PathBuf::from(line[label.len()..].trim())
    };
    for report in [
        "usage_daily",
        "inventory",
        "health_overview_summary",
        "incident_summary",
    ] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(report)),
            "{report} missing from: {text}"
        );
        assert!(
            dir.path().join("lake/reports").join(report).is_dir(),
            "{report}"
        );
    }
    // The estate owner's summary.
    for label in [
        "healthy rooms on ",
        "meetings lost to incidents: ",
        "worst model by MTBF: ",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(label)),
            "{label:?} missing from: {text}"
        );
    }
    let inventory = std::fs::read_to_string(printed("inventory:")).unwrap();
    let mut lines = inventory.lines();
    assert!(
        lines.next().unwrap().starts_with("device_id,"),
        "{inventory}"
    );
    assert!(
        lines.count() >= 3,
        "one row per device of 3 rooms at least: {inventory}"
    );
    let page = std::fs::read_to_string(printed("dashboard:")).unwrap();
    assert!(page.contains("<svg"), "the page draws charts");

    // Detection ran, and the incidents it says it opened are the lake's.
    let said: usize = text
        .lines()
        .find(|l| l.starts_with("detection"))
        .and_then(|l| l.rsplit(": ").next()?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("the demo reports its detection: {text}"));
    let listed = roomsight()
        .args(["incidents", "list", "--all", "--format", "json", "--lake"])
        .arg(dir.path().join("lake"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let listed: serde_json::Value = serde_json::from_slice(&listed).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), said, "{text}");
}
