//! Scheduler tests over a real (temporary) lake with a fake report runner.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use roomsight_ingest::lake::log::{Commit, FileEntry, LakeState, append};
use roomsight_ingest::lake::store::Lake;
use tokio::sync::watch;

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Records what it was asked to run; fails the report named `broken`.
#[derive(Default)]
struct FakeRunner {
    calls: Mutex<Vec<(String, Window)>>,
}

impl ReportRunner for &FakeRunner {
    async fn run(&self, report: &str, window: Window) -> Result<RunOutput, RunFailure> {
        self.calls.lock().unwrap().push((report.to_owned(), window));
        if report == "broken" {
            return Err("the report `broken` does not exist".into());
        }
        Ok(RunOutput {
            rows: 10,
            partitions: window.each_date().len().max(1) as u64,
        })
    }
}

const SCHEDULE: &str = r#"
timezone = "Europe/Zurich"
catch_up = 3

[[jobs]]
name = "usage"
report = "usage_daily"
cron = "15 2 * * *"
window = "yesterday"

[[jobs]]
report = "health_overview_summary"
cron = "0 * * * *"
window = "snapshot"
timezone = "UTC"
"#;

fn no_stop() -> watch::Receiver<bool> {
    watch::channel(false).1
}

async fn add_telemetry(lake: &Lake, date: &str) {
    let mut state = LakeState::default();
    let commit = Commit {
        operation: "ingest".into(),
        writer: "test".into(),
        committed_at: "2026-11-25T10:00:00Z".into(),
        add: vec![FileEntry {
            path: format!("telemetry/heartbeats/date={date}/late.parquet"),
            table: "heartbeats".into(),
            date: date.into(),
            rows: 1,
            bytes: 1,
            staged: None,
        }],
        remove: vec![],
        sources: vec![],
        gaps: vec![],
    };
    append(lake.store(), &mut state, &commit).await.unwrap();
}

#[test]
fn the_schedule_file_is_parsed_with_defaults_and_overrides() {
    let s = Schedule::parse(SCHEDULE).unwrap();
    assert_eq!(s.jobs.len(), 2);
    assert_eq!(s.jobs[0].name, "usage");
    assert_eq!(s.jobs[0].timezone, chrono_tz::Europe::Zurich);
    assert_eq!(s.jobs[0].catch_up, 3);
    assert_eq!(s.jobs[1].name, "health_overview_summary");
    assert_eq!(s.jobs[1].timezone, chrono_tz::UTC);
    assert_eq!(s.jobs[1].window, WindowSpec::Snapshot);
    assert_eq!(s.jobs[1].recompute_days, schedule::DEFAULT_RECOMPUTE_DAYS);
}

#[test]
fn a_bad_schedule_says_what_is_wrong() {
    let job = |line: &str| {
        format!(
            "[[jobs]]\nreport = \"usage_daily\"\ncron = \"0 2 * * *\"\nwindow = \"today\"\n{line}"
        )
    };
    let cases = [
        (job("").replace("0 2 * * *", "0 0 2 * * *"), "5-field"),
        (job("").replace("0 2 * * *", "61 2 * * *"), "5-field"),
        (job("timezone = \"Mars/Olympus\""), "IANA"),
        (job("").replace("today", "fortnight"), "last N days"),
        (
            format!("{}{}", job(""), job("")),
            "two jobs are named `usage_daily`",
        ),
        (job("name = \"a b\""), "letters, digits"),
        (job("colour = \"red\""), "unknown field"),
        (String::new(), "no `[[jobs]]`"),
    ];
    for (text, expected) in cases {
        let error = Schedule::parse(&text).unwrap_err();
        assert!(error.contains(expected), "{text:?}: {error}");
    }
}

#[test]
fn windows_are_local_dates_of_the_scheduled_moment() {
    let zurich = chrono_tz::Europe::Zurich;
    // 23:30 UTC on the 24th is 00:30 on the 25th in Zurich.
    let at = t("2026-11-24T23:30:00Z");
    assert_eq!(
        WindowSpec::Yesterday.resolve(at, zurich),
        Window::dates(d("2026-11-24"), d("2026-11-24"))
    );
    assert_eq!(
        WindowSpec::Today.resolve(at, zurich),
        Window::dates(d("2026-11-25"), d("2026-11-25"))
    );
    assert_eq!(
        WindowSpec::parse("Last 7 Days")
            .unwrap()
            .resolve(at, zurich),
        Window::dates(d("2026-11-18"), d("2026-11-24"))
    );
    assert_eq!(WindowSpec::Snapshot.resolve(at, zurich), Window::AsOf(at));
    assert_eq!(WindowSpec::parse("last 0 days"), None);
}

#[test]
fn consecutive_dates_group_into_windows() {
    let dates = [d("2026-11-20"), d("2026-11-21"), d("2026-11-23")]
        .into_iter()
        .collect();
    assert_eq!(
        Window::runs_of(&dates),
        vec![
            Window::dates(d("2026-11-20"), d("2026-11-21")),
            Window::dates(d("2026-11-23"), d("2026-11-23")),
        ]
    );
}

#[test]
fn due_moments_are_bounded_by_catch_up_and_a_new_job_runs_only_its_newest() {
    let s = Schedule::parse(SCHEDULE).unwrap();
    let usage = &s.jobs[0];
    let now = t("2026-11-25T12:00:00Z");
    // Zurich is UTC+1 in November: 02:15 local is 01:15 UTC.
    assert_eq!(usage.due(None, now), vec![t("2026-11-25T01:15:00Z")]);
    assert_eq!(
        usage.due(Some(t("2026-11-23T01:15:00Z")), now),
        vec![t("2026-11-24T01:15:00Z"), t("2026-11-25T01:15:00Z")]
    );
    let long_ago = Some(t("2026-11-01T01:15:00Z"));
    assert_eq!(usage.due(long_ago, now).len(), 3, "catch_up = 3");
}

#[tokio::test]
async fn missed_runs_are_caught_up_and_a_second_pass_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let runner = FakeRunner::default();
    let schedule = Schedule::parse(SCHEDULE).unwrap();
    let mut scheduler = Scheduler::new(lake.clone(), schedule, &runner);

    let first = scheduler
        .tick(t("2026-11-20T12:00:00Z"), true, &no_stop())
        .await
        .unwrap();
    assert_eq!(
        first.runs.len(),
        2,
        "each new job runs its newest moment once"
    );
    assert!(first.runs.iter().all(|r| r.trigger == Trigger::Scheduled));

    let again = scheduler
        .tick(t("2026-11-20T12:00:00Z"), true, &no_stop())
        .await
        .unwrap();
    assert!(
        again.runs.is_empty(),
        "nothing is due twice: {:?}",
        again.runs
    );

    // Two days later: usage missed the 21st and 22nd; the hourly snapshot missed 48 moments,
    // of which only the newest 3 are caught up.
    let later = scheduler
        .tick(t("2026-11-22T12:30:00Z"), true, &no_stop())
        .await
        .unwrap();
    let usage: Vec<_> = later.runs.iter().filter(|r| r.job == "usage").collect();
    assert_eq!(usage.len(), 2);
    assert_eq!(usage[0].trigger, Trigger::CatchUp);
    assert_eq!(usage[0].window_from, Some(d("2026-11-20")));
    assert_eq!(usage[1].trigger, Trigger::Scheduled);
    assert_eq!(usage[1].window_from, Some(d("2026-11-21")));
    let snapshots: Vec<_> = later.runs.iter().filter(|r| r.job != "usage").collect();
    assert_eq!(snapshots.len(), 3);
    assert_eq!(
        snapshots[2].as_of.as_deref(),
        Some("2026-11-22T12:00:00.000Z")
    );
    assert_eq!(
        later.skipped,
        vec![("health_overview_summary".to_owned(), 45)]
    );

    let records = record::read_records(lake.store(), "usage").await.unwrap();
    assert_eq!(
        records.iter().map(|r| r.run).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    let status = jobs_status(&lake).await.unwrap();
    assert_eq!(status.jobs.len(), 2);
    assert_eq!(status.jobs[1].runs, 3);
    assert!(status.to_string().contains("2026-11-21"), "{status}");
}

#[tokio::test]
async fn dates_that_received_late_telemetry_are_recomputed_once() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let runner = FakeRunner::default();
    let schedule = Schedule::parse(SCHEDULE).unwrap();
    let mut scheduler = Scheduler::new(lake.clone(), schedule, &runner);
    let now = t("2026-11-22T12:30:00Z");
    scheduler.tick(now, true, &no_stop()).await.unwrap();

    // A file lands in UTC partition 2026-11-22: local date 2026-11-21 (computed) may hold its
    // rows. 2026-11-19 is two days away and was never computed anyway.
    add_telemetry(&lake, "2026-11-22").await;
    add_telemetry(&lake, "2026-11-17").await;
    let tick = scheduler.tick(now, true, &no_stop()).await.unwrap();
    assert_eq!(tick.runs.len(), 1, "{:?}", tick.runs);
    let run = &tick.runs[0];
    assert_eq!(
        (run.job.as_str(), run.trigger),
        ("usage", Trigger::LateData)
    );
    assert_eq!(
        run.window(),
        Some(Window::dates(d("2026-11-21"), d("2026-11-21")))
    );
    assert_eq!(run.lake_version, 2);

    let quiet = scheduler.tick(now, true, &no_stop()).await.unwrap();
    assert!(quiet.runs.is_empty(), "recomputed once: {:?}", quiet.runs);
}

#[tokio::test]
async fn a_failing_run_is_recorded_and_retried_at_the_next_pass() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let runner = FakeRunner::default();
    let schedule = Schedule::parse(
        "[[jobs]]\nname = \"bad\"\nreport = \"broken\"\ncron = \"0 3 * * *\"\nwindow = \"last 2 days\"\n",
    )
    .unwrap();
    let mut scheduler = Scheduler::new(lake.clone(), schedule, &runner);
    let tick = scheduler
        .tick(t("2026-11-22T12:00:00Z"), true, &no_stop())
        .await
        .unwrap();
    assert_eq!(tick.failed(), 1);
    let record = &tick.runs[0];
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("the report `broken` does not exist")
    );
    assert_eq!((record.rows, record.partitions), (0, 0));

    let retry = scheduler
        .tick(t("2026-11-22T13:00:00Z"), true, &no_stop())
        .await
        .unwrap();
    assert_eq!(retry.runs.len(), 1);
    assert_eq!(retry.runs[0].trigger, Trigger::Retry);
    assert_eq!(
        retry.runs[0].window(),
        Some(Window::dates(d("2026-11-20"), d("2026-11-21")))
    );

    // The loop passes recompute_always = false: a job not due is not retried between its moments.
    let idle = scheduler
        .tick(t("2026-11-22T14:00:00Z"), false, &no_stop())
        .await
        .unwrap();
    assert!(idle.runs.is_empty());
}

#[tokio::test]
async fn a_pass_stops_between_runs_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let runner = FakeRunner::default();
    let mut scheduler = Scheduler::new(lake, Schedule::parse(SCHEDULE).unwrap(), &runner);
    let (tx, rx) = watch::channel(false);
    tx.send(true).unwrap();
    let tick = scheduler
        .tick(t("2026-11-22T12:00:00Z"), true, &rx)
        .await
        .unwrap();
    assert!(tick.runs.is_empty());
    assert!(runner.calls.lock().unwrap().is_empty());
}
