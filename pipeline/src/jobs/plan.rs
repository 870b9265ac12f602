//! Deciding what one job must run now, from its run records and the lake's commit log alone.
//!
//! Pure logic, so every rule is tested without a lake:
//! - **due runs**: the cron moments after the newest one already recorded, up to `now`, at
//!   most `catch_up` of them (the newest); the newest is `scheduled`, the others `catch_up`.
//!   A job that never ran runs only its newest moment (a new job does not backfill history).
//! - **retries**: range dates whose latest run failed.
//! - **late data**: range dates computed at lake version `v` for which telemetry landed later
//!   (see [`super::late`]).
//!
//! Retries and recomputations look back `recompute_days` local dates from today, skip dates a
//! due run covers anyway, and are grouped into windows of consecutive dates, so a late file
//! costs one run of the dates it touches, not a re-run of every window that once held them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::late::Arrivals;
use super::record::{RunRecord, RunStatus, Trigger};
use super::schedule::Job;
use super::window::Window;

/// One run to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRun {
    /// Why.
    pub trigger: Trigger,
    /// The cron moment it stands for (due runs only).
    pub scheduled_for: Option<DateTime<Utc>>,
    /// What it covers.
    pub window: Window,
}

/// What a job must run now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The runs, in the order to do them (recomputations of older dates first).
    pub runs: Vec<PlannedRun>,
    /// Missed cron moments older than the catch-up bound, left out.
    pub skipped: usize,
}

/// Where each local date stands, from the records (latest run of the date wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DateState {
    Computed { version: u64 },
    Failed,
}

/// The newest cron moment any record stands for.
pub fn last_scheduled(records: &[RunRecord]) -> Option<DateTime<Utc>> {
    records.iter().filter_map(RunRecord::scheduled_moment).max()
}

fn date_states(records: &[RunRecord]) -> BTreeMap<NaiveDate, DateState> {
    let mut states = BTreeMap::new();
    for record in records {
        let Some(window) = record.window() else {
            continue;
        };
        let state = match record.status {
            RunStatus::Succeeded => DateState::Computed {
                version: record.lake_version,
            },
            RunStatus::Failed => DateState::Failed,
        };
        for date in window.each_date() {
            states.insert(date, state);
        }
    }
    states
}

/// Counts the cron moments in `(after, before)`, stopping at `cap`.
fn moments_between(job: &Job, after: DateTime<Utc>, before: DateTime<Utc>, cap: usize) -> usize {
    let mut n = 0;
    let mut cursor = after;
    while n < cap {
        match job.next_after(cursor) {
            Some(t) if t < before => {
                n += 1;
                cursor = t;
            }
            _ => break,
        }
    }
    n
}

/// Plans job `job` at `now`. Stale dates are recomputed when the job is due, or always with
/// `recompute` (`--once`); the loop passes `false`, so a failing job is retried at its own
/// cron pace, not in a tight loop.
pub fn plan(
    job: &Job,
    records: &[RunRecord],
    arrivals: &Arrivals,
    now: DateTime<Utc>,
    recompute: bool,
) -> Plan {
    let anchor = last_scheduled(records);
    let due = job.due(anchor, now);
    let skipped = match (anchor, due.first()) {
        (Some(anchor), Some(&first)) if due.len() >= job.catch_up => {
            moments_between(job, anchor, first, 10_000)
        }
        _ => 0,
    };
    let newest = due.last().copied();
    let mut runs: Vec<PlannedRun> = due
        .iter()
        .map(|&at| PlannedRun {
            trigger: if Some(at) == newest {
                Trigger::Scheduled
            } else {
                Trigger::CatchUp
            },
            scheduled_for: Some(at),
            window: job.window.resolve(at, job.timezone),
        })
        .collect();

    if (recompute || !runs.is_empty()) && job.window.is_range() {
        let covered: BTreeSet<NaiveDate> = runs.iter().flat_map(|r| r.window.each_date()).collect();
        let today = job.local_date(now);
        let horizon = today
            .checked_sub_days(Days::new(job.recompute_days.into()))
            .unwrap_or(today);
        let mut retry = BTreeSet::new();
        let mut late = BTreeSet::new();
        for (&date, &state) in date_states(records).range(horizon..=today) {
            if covered.contains(&date) {
                continue;
            }
            match state {
                DateState::Failed => {
                    retry.insert(date);
                }
                DateState::Computed { version } if arrivals.late_since(date, version) => {
                    late.insert(date);
                }
                DateState::Computed { .. } => {}
            }
        }
        let mut recomputations: Vec<PlannedRun> = Window::runs_of(&retry)
            .into_iter()
            .map(|window| (Trigger::Retry, window))
            .chain(
                Window::runs_of(&late)
                    .into_iter()
                    .map(|window| (Trigger::LateData, window)),
            )
            .map(|(trigger, window)| PlannedRun {
                trigger,
                scheduled_for: None,
                window,
            })
            .collect();
        recomputations.sort_by_key(|r| match r.window {
            Window::Dates { from, .. } => from,
            Window::AsOf(at) => at.date_naive(),
        });
        recomputations.append(&mut runs);
        runs = recomputations;
    }
    Plan { runs, skipped }
}
