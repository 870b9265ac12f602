//! Scheduled report jobs: `roomsight jobs run --lake URL --schedule FILE [--once]`.
//!
//! # The schedule file
//!
//! TOML, one `[[jobs]]` table per job:
//!
//! ```toml
//! # Defaults for every job (each may be overridden per job):
//! timezone = "Europe/Zurich"  # IANA zone of the cron expressions and of "yesterday"; default UTC
//! catch_up = 7                # at most this many missed runs are caught up (the newest); default 7
//! recompute_days = 7          # failed or late dates are recomputed this far back; default 7
//!
//! [[jobs]]
//! name = "usage"              # unique, [A-Za-z0-9_-]; default: the report name
//! report = "usage_daily"      # a report of docs/reports.md
//! cron = "15 2 * * *"         # minute hour day-of-month month day-of-week (5 fields)
//! window = "yesterday"        # yesterday | today | last N days | snapshot
//!
//! [[jobs]]
//! report = "health_overview_summary"
//! cron = "*/15 * * * *"
//! window = "snapshot"         # as of the scheduled moment
//! timezone = "UTC"
//! ```
//!
//! Windows are resolved from the moment a run was *scheduled for*, not when it actually ran,
//! so a run caught up on Tuesday for Monday's 02:15 still covers Sunday. `last N days` is the
//! `N` local dates ending yesterday.
//!
//! # What a pass does
//!
//! For each job ([`plan`]): the cron moments since the newest one recorded (bounded by
//! `catch_up`; a new job runs only its newest moment), then the dates in the last
//! `recompute_days` whose latest run failed (`retry`) or that received telemetry after they
//! were computed (`late_data`, read from the lake's commit log with ±1 day slack between UTC
//! partitions and local dates, see [`late`]). Snapshot jobs are not recomputed: a snapshot is
//! what the lake held at its moment. Each run replaces its report partitions atomically (the
//! report runner does that), so re-running is always safe.
//!
//! # Run records
//!
//! Every run, successful or not, is one JSON line in the lake at
//! `_roomsight/jobs/runs/<job>/<run number>.json` ([`record`]): job, report, trigger,
//! scheduled moment, window, lake version, start, end, duration, rows, partitions, status and
//! error. They are the scheduler's only state (nothing is kept between processes), they show in
//! `roomsight lake status`, and SQL engines can read the folder as an NDJSON table.
//!
//! # Running
//!
//! With `--once` the binary does one pass at the current time and exits 1 if any run failed
//! (for an outer cron or a Kubernetes CronJob). Without it, [`Scheduler::run_loop`] does a
//! first pass, then sleeps until the next cron moment of any job; a signal ends the sleep, and
//! a pass stops between runs, never inside one.

pub mod catalog_runner;
pub mod error;
pub mod late;
pub mod plan;
pub mod record;
pub mod schedule;
pub mod scheduler;
pub mod status;
pub mod window;

#[cfg(test)]
mod tests;

pub use catalog_runner::CatalogRunner;
pub use error::{JobsError, Result};
pub use record::{RunRecord, RunStatus, Trigger};
pub use schedule::{Job, Schedule, WindowSpec};
pub use scheduler::{ReportRunner, RunFailure, RunOutput, Scheduler, Tick};
pub use status::{JobsStatus, jobs_status};
pub use window::Window;
