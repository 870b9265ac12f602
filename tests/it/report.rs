//! `roomsight rooms load` and `roomsight report`: a directory with a bad row, reports printed in
//! every format, and output partitions written and replaced whole in the lake.

use std::path::Path;

use predicates::prelude::*;
use roomsight_ingest::lake::encode::decode;

use crate::roomsight;

const ROOMS: &str = "\
room_id,name,site,building,floor,capacity,country,timezone,room_group,ring
ber-1,Spree,Berlin HQ,B,2,10,DE,Europe/Berlin,board,general
bad-1,Broken,Berlin HQ,,,0,DE,Europe/Berlin,board,general
nyc-1,Hudson,New York,,,6,US,America/New_York,huddle,pilot
";

fn meeting(event_id: &str, room: &str, meeting_id: &str, start: &str, end: &str) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"meeting","event_id":"{event_id}","ts":"{end}","device_id":"dev-{room}","room_id":"{room}","meeting_id":"{meeting_id}","start":"{start}","end":"{end}","scheduled":true,"participants":4,"platform":"teams","packet_loss_pct":0.5,"jitter_ms":8.0,"rtt_ms":60.0}}"#
    )
}

fn ingest(lake: &Path, lines: &[String]) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), lines.join("\n") + "\n").unwrap();
    roomsight()
        .args(["ingest", "--once", "--lake"])
        .arg(lake)
        .arg("--file")
        .arg(file.path())
        .assert()
        .success();
}

/// Rows of a partition file, or `None` when the partition does not exist.
fn partition_rows(lake: &Path, report: &str, partition: &str) -> Option<usize> {
    let path = lake.join(format!("reports/{report}/{partition}/part-0.parquet"));
    let bytes = std::fs::read(path).ok()?;
    Some(
        decode(bytes.into(), None)
            .unwrap()
            .iter()
            .map(|b| b.num_rows())
            .sum(),
    )
}

#[test]
fn rooms_load_reports_the_bad_row_by_line_and_loads_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let csv = dir.path().join("rooms.csv");
    std::fs::write(&csv, ROOMS).unwrap();
    roomsight()
        .args(["rooms", "load", "--lake"])
        .arg(&lake)
        .arg(&csv)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("line 3: `capacity`"))
        .stdout(predicate::str::contains("loaded 2 rooms"));
    assert!(lake.join("rooms/rooms.parquet").is_file());

    // The directory is what reports see: every room every day, zeros included.
    roomsight()
        .args([
            "report",
            "utilization_daily",
            "--no-write",
            "--format",
            "csv",
        ])
        .args(["--from", "2026-11-23", "--to", "2026-11-24", "--lake"])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "room_id,date,business_minutes,occupied_minutes,utilization_pct",
        ))
        .stdout(predicate::str::contains(
            "ber-1,2026-11-24,600,0,0.0,0,0,0,0,",
        ))
        .stdout(predicate::str::contains("nyc-1,2026-11-23,600,0,0.0"))
        .stdout(predicate::str::contains("bad-1").not());
    assert!(!lake.join("reports").exists(), "--no-write wrote outputs");
}

#[test]
fn report_writes_one_partition_per_local_date_and_a_rerun_replaces_exactly_them() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let csv = dir.path().join("rooms.csv");
    std::fs::write(
        &csv,
        ROOMS.replace("bad-1,Broken,Berlin HQ,,,0", "oslo-1,Fjord,Oslo,,,4"),
    )
    .unwrap();
    roomsight()
        .args(["rooms", "load", "--lake"])
        .arg(&lake)
        .arg(&csv)
        .assert()
        .success();
    ingest(
        &lake,
        &[
            meeting(
                "e1",
                "ber-1",
                "m1",
                "2026-11-24T09:00:00Z",
                "2026-11-24T10:00:00Z",
            ),
            meeting(
                "e2",
                "ber-1",
                "m2",
                "2026-11-25T09:00:00Z",
                "2026-11-25T09:30:00Z",
            ),
            meeting(
                "e3",
                "nyc-1",
                "m3",
                "2026-11-26T15:00:00Z",
                "2026-11-26T15:45:00Z",
            ),
        ],
    );
    let report = |from: &str, to: &str| {
        roomsight()
            .args([
                "report",
                "usage_daily",
                "--format",
                "json",
                "--from",
                from,
                "--to",
                to,
                "--lake",
            ])
            .arg(&lake)
            .assert()
            .success()
    };
    report("2026-11-24", "2026-11-26")
        .stdout(predicate::str::contains(
            r#""room_id":"ber-1","date":"2026-11-24","meetings":1,"meeting_minutes":60"#,
        ))
        .stderr(predicate::str::contains("usage_daily: 3 rows"));
    let parts = |d: &str| partition_rows(&lake, "usage_daily", &format!("report_date={d}"));
    assert_eq!(
        (
            parts("2026-11-24"),
            parts("2026-11-25"),
            parts("2026-11-26")
        ),
        (Some(1), Some(1), Some(1))
    );

    // m1 is re-sent moved to the 25th: a re-run of the 24th-25th empties the 24th and puts two
    // meetings on the 25th; the 26th, outside the window, is left alone.
    ingest(
        &lake,
        &[meeting(
            "e1b",
            "ber-1",
            "m1",
            "2026-11-25T12:00:00Z",
            "2026-11-25T13:00:00Z",
        )],
    );
    report("2026-11-24", "2026-11-25");
    assert_eq!(
        (
            parts("2026-11-24"),
            parts("2026-11-25"),
            parts("2026-11-26")
        ),
        (None, Some(1), Some(1))
    );
    // The catalog reads the outputs back under the report's name.
    roomsight()
        .args([
            "report",
            "usage_daily",
            "--format",
            "csv",
            "--no-write",
            "--from",
            "2026-11-25",
            "--to",
            "2026-11-25",
            "--lake",
        ])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::contains("ber-1,2026-11-25,2,90,2,0"));

    // A Parquet export is a directory laid out as the lake's outputs.
    let out = dir.path().join("export");
    roomsight()
        .args([
            "report",
            "usage_daily",
            "--no-write",
            "--format",
            "parquet",
            "--from",
            "2026-11-24",
            "--to",
            "2026-11-26",
            "--lake",
        ])
        .arg(&lake)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        partition_rows(&out, "usage_daily", "report_date=2026-11-26"),
        Some(1)
    );
}

#[test]
fn a_range_report_refuses_a_moment_and_an_unknown_report_names_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    roomsight()
        .args([
            "report",
            "usage_daily",
            "--as-of",
            "2026-11-24T00:00:00Z",
            "--lake",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--from/--to"));
    roomsight()
        .args(["report", "no_such_report", "--lake"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("usage_daily"));
}
