//! `roomsight lake status` and `roomsight compact` over a small lake built through the library
//! the way ingest builds it: one staged file per flush, committed with its offsets.

use std::collections::BTreeSet;

use predicates::prelude::*;
use roomsight_ingest::lake::encode::{EncodeOptions, encode, sort};
use roomsight_ingest::lake::log::{Commit, FileEntry, SourceRange};
use roomsight_ingest::lake::rows::{Origin, TableRows};
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::schema::Table;
use roomsight_ingest::{Timestamp, validate};
use serde_json::Value;

use crate::{heartbeat, roomsight};

/// Three flushes of heartbeats; producers resent some events into later flushes.
const FLUSHES: [&[&str]; 3] = [&["a", "b", "c"], &["b", "c", "d"], &["d", "e"]];

fn build_lake(dir: &std::path::Path) {
    let now = Timestamp::parse_rfc3339("2026-11-24T12:00:00Z").unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let lake = Lake::open(dir.to_str().unwrap()).unwrap();
        let mut state = lake.state().await.unwrap();
        let mut offset = 0i64;
        for (i, ids) in FLUSHES.iter().enumerate() {
            let mut rows = TableRows::new(Table::Heartbeats);
            for (j, id) in ids.iter().enumerate() {
                let line = heartbeat(id);
                let event = validate(line.as_bytes(), now).unwrap();
                let origin = Origin::Kafka {
                    topic: "room-telemetry",
                    partition: 0,
                    offset: offset + j as i64,
                };
                rows.push(&event, 0, &origin, now);
            }
            let batch = sort(Table::Heartbeats, &rows.finish().unwrap()).unwrap();
            let bytes = encode(Table::Heartbeats, &[batch], &EncodeOptions::default()).unwrap();
            let name = format!("part-test-{i:06}.parquet");
            let size = bytes.len() as u64;
            let staged = lake.stage(&name, bytes).await.unwrap();
            let to = offset + ids.len() as i64;
            let commit = Commit {
                operation: "ingest".into(),
                writer: "test".into(),
                committed_at: now.to_string(),
                add: vec![FileEntry {
                    path: format!("telemetry/heartbeats/date=2026-11-24/{name}"),
                    table: "heartbeats".into(),
                    date: "2026-11-24".into(),
                    rows: ids.len() as u64,
                    bytes: size,
                    staged: Some(staged),
                }],
                remove: vec![],
                sources: vec![SourceRange {
                    source: "kafka:room-telemetry".into(),
                    partition: 0,
                    from: offset,
                    to,
                }],
                gaps: vec![],
            };
            lake.commit(&mut state, &commit).await.unwrap();
            offset = to;
        }
    });
}

fn status_json(dir: &std::path::Path) -> Value {
    let out = roomsight()
        .env("ROOMSIGHT_LAKE", dir)
        .args(["lake", "status", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn heartbeats(status: &Value) -> (u64, u64) {
    let table = status["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "heartbeats")
        .unwrap();
    (
        table["files"].as_u64().unwrap(),
        table["rows"].as_u64().unwrap(),
    )
}

#[test]
fn status_reports_the_log_and_compact_merges_and_dedups() {
    let dir = tempfile::tempdir().unwrap();
    build_lake(dir.path());
    let total: usize = FLUSHES.iter().map(|f| f.len()).sum();
    let distinct: BTreeSet<&str> = FLUSHES.iter().flat_map(|f| f.iter().copied()).collect();

    let before = status_json(dir.path());
    assert_eq!(before["version"], FLUSHES.len());
    assert_eq!(heartbeats(&before), (FLUSHES.len() as u64, total as u64));
    assert_eq!(before["offsets"][0]["next_offset"], total);
    assert_eq!(before["last_commit"]["operation"], "ingest");

    roomsight()
        .args(["lake", "status", "--lake"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(format!(
                r"heartbeats\s+2026-11-24\s+{}\s+{total}\s",
                FLUSHES.len()
            ))
            .unwrap(),
        )
        .stdout(predicate::str::contains("kafka:room-telemetry"));

    roomsight()
        .args(["compact", "--table", "heartbeats", "--lake"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "{} files → 1, {total} rows → {} ({} duplicates dropped)",
            FLUSHES.len(),
            distinct.len(),
            total - distinct.len()
        )));
    let after = status_json(dir.path());
    assert_eq!(heartbeats(&after), (1, distinct.len() as u64));
    assert_eq!(after["last_commit"]["operation"], "compact");
    assert_eq!(
        after["offsets"], before["offsets"],
        "compaction moves no offsets"
    );

    roomsight()
        .args(["compact", "--lake"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to compact"));
    assert_eq!(status_json(dir.path())["version"], after["version"]);
}

#[test]
fn bad_flags_exit_2_and_a_missing_lake_exits_1_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    roomsight()
        .args(["compact", "--table", "rooms", "--lake"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a table compaction handles"));
    roomsight()
        .args(["compact", "--date", "24/11/2026", "--lake"])
        .arg(dir.path())
        .assert()
        .code(2);
    let missing = dir.path().join("nope");
    roomsight()
        .args(["lake", "status", "--lake"])
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("there is no lake at"));
    assert!(!missing.exists(), "status does not create a lake");
}
