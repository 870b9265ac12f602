//! The whole flow on an S3 lake (moto in server mode): simulate → ingest → rooms load →
//! compact → report → detect → incidents → sql, each answer the same as on a local lake fed
//! the same events, and a missing lake refused.

use std::path::Path;

use predicates::prelude::*;

use crate::moto::Moto;
use crate::roomsight;

const FROM: &str = "2026-11-02";
const TO: &str = "2026-11-03";

/// `roomsight ARGS… --lake LAKE` with the server's AWS settings; stdout on success.
fn run(moto: &Moto, lake: &str, args: &[&str]) -> String {
    let out = roomsight()
        .envs(moto.env())
        .args(args)
        .args(["--lake", lake])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "roomsight {args:?} --lake {lake} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Feeds one lake the fleet and runs the jobs; returns what each step printed that must not
/// depend on where the lake is.
fn flow(moto: &Moto, lake: &str, fleet: &Path) -> Vec<String> {
    let events = fleet.join("events.ndjson");
    let rooms = fleet.join("rooms.csv");
    run(
        moto,
        lake,
        &["ingest", "--once", "--file", events.to_str().unwrap()],
    );
    run(moto, lake, &["rooms", "load", rooms.to_str().unwrap()]);
    run(moto, lake, &["compact"]);
    let usage = run(
        moto,
        lake,
        &[
            "report",
            "usage_daily",
            "--from",
            FROM,
            "--to",
            TO,
            "--format",
            "csv",
        ],
    );
    let reliability = run(
        moto,
        lake,
        &[
            "report",
            "peripheral_reliability",
            "--from",
            FROM,
            "--to",
            TO,
            "--format",
            "csv",
        ],
    );
    run(moto, lake, &["detect", "--from", FROM, "--to", TO]);
    let incidents = run(
        moto,
        lake,
        &["incidents", "list", "--all", "--format", "csv"],
    );
    let counts = run(
        moto,
        lake,
        &[
            "sql",
            "--format",
            "csv",
            "-e",
            "SELECT (SELECT count(*) FROM heartbeats) AS heartbeats, \
             (SELECT count(*) FROM peripheral_states) AS states, \
             (SELECT count(DISTINCT event_id) FROM meetings) AS meetings, \
             (SELECT count(*) FROM rooms) AS rooms, \
             (SELECT count(*) FROM usage_daily) AS usage_rows, \
             (SELECT count(*) FROM incidents) AS incidents",
        ],
    );
    vec![
        usage,
        reliability,
        incidents_without_ids(&incidents),
        counts,
    ]
}

/// Incident ids and timestamps of the run differ between lakes; kind, subject and state not.
fn incidents_without_ids(csv: &str) -> String {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let keep: Vec<usize> = [
        "kind",
        "severity",
        "state",
        "room_id",
        "device_id",
        "peripheral_id",
    ]
    .iter()
    .map(|name| header.iter().position(|h| h == name).unwrap())
    .collect();
    let mut rows: Vec<String> = lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            keep.iter()
                .map(|&i| fields[i])
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    rows.sort();
    rows.join("\n")
}

#[test]
fn every_command_works_on_an_s3_lake_as_on_local_disk() {
    let moto = Moto::start();
    moto.create_bucket("roomsight-lake");
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    roomsight()
        .args([
            "simulate", "--rooms", "4", "--days", "2", "--start", FROM, "--seed", "5",
        ])
        .arg("--out")
        .arg(&fleet)
        .assert()
        .success();

    let s3 = flow(&moto, "s3://roomsight-lake/estates/oslo", &fleet);
    let local = flow(&moto, dir.path().join("lake").to_str().unwrap(), &fleet);
    assert_eq!(
        s3, local,
        "the S3 lake answers differently from the local one"
    );
    let counts: Vec<&str> = s3[3].lines().nth(1).unwrap().split(',').collect();
    assert!(
        counts.iter().all(|n| n.parse::<u64>().unwrap() > 0),
        "{counts:?}"
    );

    // The lake's layout on S3 is the Hive layout under the prefix, readable by anyone.
    let status = run(
        &moto,
        "s3://roomsight-lake/estates/oslo",
        &["lake", "status"],
    );
    assert!(status.contains("heartbeats"), "{status}");
    let store = moto.store("roomsight-lake");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let paths: Vec<String> = runtime.block_on(async {
        use futures::TryStreamExt;
        let prefix = object_store::path::Path::from("estates/oslo/telemetry/heartbeats");
        store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .unwrap()
    });
    assert!(!paths.is_empty());
    assert!(
        paths.iter().all(
            |p| p.starts_with("estates/oslo/telemetry/heartbeats/date=2026-11-0")
                && p.ends_with(".parquet")
        ),
        "{paths:?}"
    );

    // Running the same ingest again lands nothing twice.
    let events = fleet.join("events.ndjson");
    run(
        &moto,
        "s3://roomsight-lake/estates/oslo",
        &["ingest", "--once", "--file", events.to_str().unwrap()],
    );
    let again = run(
        &moto,
        "s3://roomsight-lake/estates/oslo",
        &[
            "sql",
            "--format",
            "csv",
            "-e",
            "SELECT count(*) AS n FROM heartbeats",
        ],
    );
    let before = s3[3]
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(again, format!("n\n{before}\n"));
}

#[test]
fn a_prefix_with_nothing_in_it_is_no_lake() {
    let moto = Moto::start();
    moto.create_bucket("empty-bucket");
    roomsight()
        .envs(moto.env())
        .args([
            "sql",
            "-e",
            "SELECT 1",
            "--lake",
            "s3://empty-bucket/nothing-here",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "there is no lake at s3://empty-bucket/nothing-here",
        ));
}
