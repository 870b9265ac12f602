//! `roomsight jobs run --once`: idempotent runs recorded in the lake, recomputation after late
//! data, a failing job recorded as failed with exit code 1, and runs shown by `lake status`.

use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate, Utc};
use predicates::prelude::*;

use crate::roomsight;

fn meeting(event_id: &str, room: &str, date: NaiveDate, hour: u32) -> String {
    let start = format!("{date}T{hour:02}:00:00Z");
    let end = format!("{date}T{hour:02}:45:00Z");
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"meeting","event_id":"{event_id}","ts":"{end}","device_id":"dev-{room}","room_id":"{room}","meeting_id":"m-{event_id}","start":"{start}","end":"{end}","scheduled":true,"participants":4,"platform":"teams","packet_loss_pct":0.5,"jitter_ms":8.0,"rtt_ms":60.0}}"#
    )
}

fn heartbeat(event_id: &str, date: NaiveDate) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"heartbeat","event_id":"{event_id}","ts":"{date}T12:00:00Z","device_id":"dev-r1","room_id":"r1","platform":"windows","app_version":"5.2.1","os_version":"10.0.22631","teams_signed_in":true,"exchange_signed_in":true,"cpu_pct":12.5,"mem_pct":40,"uptime_s":3600}}"#
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

fn days_ago(n: u64) -> NaiveDate {
    Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(n))
        .unwrap()
}

fn run_records(lake: &Path, job: &str) -> Vec<serde_json::Value> {
    let dir = lake.join("_roomsight/jobs/runs").join(job);
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => return Vec::new(),
    };
    paths.sort();
    paths
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect()
}

/// Every output file of a report, by path relative to the lake, with its bytes.
fn outputs(lake: &Path, report: &str) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let root = lake.join("reports").join(report);
    for partition in std::fs::read_dir(&root).unwrap() {
        let partition = partition.unwrap().path();
        for file in std::fs::read_dir(&partition).unwrap() {
            let file = file.unwrap().path();
            let name = file.strip_prefix(lake).unwrap().display().to_string();
            files.push((name, std::fs::read(&file).unwrap()));
        }
    }
    files.sort();
    files
}

fn jobs_once(lake: &Path, schedule: &Path) -> assert_cmd::assert::Assert {
    roomsight()
        .args(["jobs", "run", "--once", "--lake"])
        .arg(lake)
        .arg("--schedule")
        .arg(schedule)
        .assert()
}

const SCHEDULE: &str = r#"
[[jobs]]
name = "usage"
report = "usage_daily"
cron = "0 0 * * *"
window = "last 2 days"
timezone = "UTC"
"#;

#[test]
fn runs_are_recorded_idempotent_and_recomputed_after_late_data() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let (d1, d2) = (days_ago(2), days_ago(1));
    ingest(
        &lake,
        &[
            meeting("e1", "r1", d1, 9),
            meeting("e2", "r1", d2, 10),
            meeting("e3", "r2", d2, 14),
        ],
    );
    let schedule = dir.path().join("schedule.toml");
    std::fs::write(&schedule, SCHEDULE).unwrap();

    jobs_once(&lake, &schedule)
        .success()
        .stdout(predicate::str::contains("usage #1 Scheduled"));
    let records = run_records(&lake, "usage");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["status"], "succeeded");
    assert_eq!(records[0]["rows"], 3, "r1 on both days, r2 on the second");
    assert_eq!(records[0]["partitions"], 2);
    assert_eq!(records[0]["window_from"], d1.to_string());
    assert_eq!(records[0]["window_to"], d2.to_string());
    let first = outputs(&lake, "usage_daily");
    assert_eq!(first.len(), 2, "one partition per date: {first:?}");

    // Nothing is due twice.
    jobs_once(&lake, &schedule).success();
    assert_eq!(run_records(&lake, "usage").len(), 1);

    // A late heartbeat for the first date: the date is recomputed (same outputs: heartbeats do
    // not change usage), one more run record.
    ingest(&lake, &[heartbeat("late-1", d1)]);
    jobs_once(&lake, &schedule)
        .success()
        .stdout(predicate::str::contains("usage #2 LateData"));
    let records = run_records(&lake, "usage");
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["trigger"], "late_data");
    assert_eq!(records[1]["status"], "succeeded");
    assert_eq!(
        outputs(&lake, "usage_daily"),
        first,
        "a re-run writes the same outputs"
    );

    // A late meeting on the second date: both dates are recomputed (UTC partition d2 may hold
    // rows of local date d1), and only the second date's partition changes.
    ingest(&lake, &[meeting("e4", "r2", d2, 16)]);
    jobs_once(&lake, &schedule).success();
    let records = run_records(&lake, "usage");
    assert_eq!(records.len(), 3);
    assert_eq!(records[2]["window_from"], d1.to_string());
    assert_eq!(records[2]["rows"], 3);
    let third = outputs(&lake, "usage_daily");
    assert_eq!(
        third[0], first[0],
        "the first date's partition is unchanged"
    );
    assert_ne!(
        third[1], first[1],
        "the second date's partition has the late meeting"
    );

    roomsight()
        .args(["lake", "status", "--lake"])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::contains("jobs:").and(predicate::str::contains("usage")));
    let json = roomsight()
        .args(["lake", "status", "--format", "json", "--lake"])
        .arg(&lake)
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(status["jobs"][0]["job"], "usage");
    assert_eq!(status["jobs"][0]["runs"], 3);
}

#[test]
fn a_failing_job_is_recorded_as_failed_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    ingest(&lake, &[meeting("e1", "r1", days_ago(1), 9)]);
    // A damaged data file: the report cannot read its partition.
    let damaged = lake.join(format!(
        "telemetry/meetings/date={}/damaged.parquet",
        days_ago(1)
    ));
    std::fs::write(damaged, b"this is not parquet").unwrap();
    let schedule = dir.path().join("schedule.toml");
    std::fs::write(&schedule, SCHEDULE).unwrap();

    jobs_once(&lake, &schedule)
        .code(1)
        .stdout(predicate::str::contains("FAILED"));
    let records = run_records(&lake, "usage");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["status"], "failed");
    assert!(
        records[0]["error"]
            .as_str()
            .unwrap()
            .contains("usage_daily"),
        "{:?}",
        records[0]
    );
}

#[test]
fn a_schedule_naming_an_unknown_report_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    std::fs::create_dir_all(&lake).unwrap();
    let schedule = dir.path().join("schedule.toml");
    std::fs::write(&schedule, SCHEDULE.replace("usage_daily", "usage_weekly")).unwrap();
    jobs_once(&lake, &schedule)
        .code(1)
        .stderr(predicate::str::contains("no report `usage_weekly`"));
    assert!(run_records(&lake, "usage").is_empty());
}

#[test]
fn the_loop_runs_what_is_due_then_sleeps_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    ingest(&lake, &[meeting("e1", "r1", days_ago(1), 9)]);
    let schedule = dir.path().join("schedule.toml");
    std::fs::write(&schedule, SCHEDULE).unwrap();
    let mut child = crate::roomsight_process()
        .args(["jobs", "run", "--lake"])
        .arg(&lake)
        .arg("--schedule")
        .arg(&schedule)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while run_records(&lake, "usage").is_empty() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the loop's first pass recorded no run within 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("SIGTERM did not end the loop within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "SIGTERM exits 0: {status:?}");
    assert_eq!(run_records(&lake, "usage").len(), 1);
}

#[test]
fn the_estate_reports_run_as_jobs_and_read_back_in_sql() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let (d1, d2) = (days_ago(2), days_ago(1));
    ingest(&lake, &[heartbeat("h1", d1), heartbeat("h2", d2)]);
    let schedule = dir.path().join("schedule.toml");
    let jobs: String = [
        "room_health_daily",
        "room_health_summary",
        "meeting_impact",
        "failure_stats",
    ]
    .iter()
    .map(|report| {
        format!(
            "[[jobs]]\nname = \"{report}\"\nreport = \"{report}\"\ncron = \"0 0 * * *\"\n\
             window = \"last 2 days\"\ntimezone = \"UTC\"\n\n"
        )
    })
    .collect();
    std::fs::write(&schedule, jobs).unwrap();
    jobs_once(&lake, &schedule).success();
    for job in [
        "room_health_daily",
        "room_health_summary",
        "meeting_impact",
        "failure_stats",
    ] {
        let records = run_records(&lake, job);
        assert_eq!(records.len(), 1, "{job}");
        assert_eq!(records[0]["status"], "succeeded", "{job}: {:?}", records[0]);
    }
    // r1 (seen in telemetry, no incidents) is healthy on both days.
    assert_eq!(run_records(&lake, "room_health_daily")[0]["rows"], 2);
    roomsight()
        .args([
            "sql",
            "--format",
            "csv",
            "-e",
            "SELECT rooms, healthy_rooms, healthy_pct FROM room_health_summary ORDER BY \"date\"",
            "--lake",
        ])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::contains("1,1,100.0\n1,1,100.0"));
}

#[test]
fn jobs_run_computes_reports_with_the_deployments_business_hours() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    // A room seen on each of the last seven days: they hold weekdays and a weekend whatever
    // day the test runs.
    let lines: Vec<String> = (1..=7)
        .map(|n| meeting(&format!("e{n}"), "r1", days_ago(n), 9))
        .collect();
    ingest(&lake, &lines);
    let schedule = dir.path().join("schedule.toml");
    std::fs::write(
        &schedule,
        r#"
[[jobs]]
name = "utilization"
report = "utilization_daily"
cron = "0 0 * * *"
window = "last 7 days"
timezone = "UTC"
"#,
    )
    .unwrap();
    // Business hours 09:00–18:00, set for the deployment as `roomsight report` reads them.
    roomsight()
        .env("ROOMSIGHT_BUSINESS_START", "09:00")
        .args(["jobs", "run", "--once", "--lake"])
        .arg(&lake)
        .arg("--schedule")
        .arg(&schedule)
        .assert()
        .success();
    let out = roomsight()
        .args([
            "sql",
            "--format",
            "csv",
            "-e",
            "SELECT DISTINCT business_minutes FROM utilization_daily ORDER BY business_minutes",
            "--lake",
        ])
        .arg(&lake)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let values: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(
        values,
        ["0", "540"],
        "weekend days, and 9 hours on weekdays: {text}"
    );
}
