//! `roomsight validate`: counts, reasons with line numbers, exit codes.

use predicates::prelude::*;

use crate::{heartbeat, roomsight};

const NOW: &str = "2026-11-24T12:00:00Z";

#[test]
fn a_file_of_valid_events_passes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.ndjson");
    std::fs::write(
        &path,
        format!("{}\n\n{}\r\n", heartbeat("a"), heartbeat("b")),
    )
    .unwrap();
    roomsight()
        .args(["validate", "--now", NOW])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("2 events, 2 valid, 0 invalid"))
        .stdout(predicate::str::is_match(r"heartbeat\s+2").unwrap());
}

#[test]
fn invalid_events_are_counted_by_reason_and_named_by_line_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.ndjson");
    let future = heartbeat("f").replace("2026-11-24T09:15:00Z", "2026-11-24T12:10:01Z");
    let hot = heartbeat("h").replace("\"cpu_pct\":12.5", "\"cpu_pct\":150");
    let lines = [
        heartbeat("a"),
        "{not json".to_string(),
        future,
        hot,
        heartbeat("b"),
    ];
    std::fs::write(&path, lines.join("\n")).unwrap();
    roomsight()
        .args(["validate", "--now", NOW])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("5 events, 2 valid, 3 invalid"))
        .stdout(predicate::str::is_match(r"malformed\s+1").unwrap())
        .stdout(predicate::str::is_match(r"future_ts\s+1").unwrap())
        .stdout(predicate::str::is_match(r"out_of_range\s+1").unwrap())
        .stdout(predicate::str::contains("mixed.ndjson:2: malformed"))
        .stdout(predicate::str::contains(
            "mixed.ndjson:3: future_ts at `ts`",
        ))
        .stdout(predicate::str::contains(
            "mixed.ndjson:4: out_of_range at `cpu_pct`",
        ));
}

#[test]
fn json_output_is_machine_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.ndjson");
    std::fs::write(&path, format!("{}\n[]\n", heartbeat("a"))).unwrap();
    let out = roomsight()
        .args(["validate", "--format", "json", "--now", NOW])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], 1);
    assert_eq!(doc["invalid_by_reason"]["malformed"], 1);
    assert_eq!(doc["files"][0]["first_invalid"][0]["line"], 2);
}

#[test]
fn a_missing_file_fails_with_a_readable_error() {
    roomsight()
        .args(["validate", "/nonexistent/events.ndjson"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "could not open /nonexistent/events.ndjson",
        ));
}

#[test]
fn a_wrong_command_line_exits_2() {
    roomsight().args(["validate"]).assert().code(2);
    roomsight()
        .args(["validate", "--now", "yesterday", "x"])
        .assert()
        .code(2);
    roomsight().args(["no-such-command"]).assert().code(2);
}
