//! The scheduler: plans every job, runs the reports, records each run; once, or in a loop that
//! sleeps until the next cron moment.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use roomsight_ingest::lake::store::Lake;
use tokio::sync::watch;
use tracing::{info, warn};

use super::error::Result;
use super::late::Arrivals;
use super::plan::{PlannedRun, plan};
use super::record::{RunRecord, RunStatus, append_record, read_records, rfc3339};
use super::schedule::{Job, Schedule};
use super::window::Window;

/// What a report run produced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOutput {
    /// Rows written.
    pub rows: u64,
    /// Output partitions replaced.
    pub partitions: u64,
}

/// Why a report run failed: any error; its whole chain is recorded.
pub type RunFailure = Box<dyn std::error::Error + Send + Sync>;

/// Runs one report over one window, replacing its output partitions atomically.
///
/// The scheduler does not know how reports are computed; the binary passes the report runner
/// of `crate::report`, tests pass fakes.
pub trait ReportRunner {
    /// Runs `report` over `window`.
    fn run(
        &self,
        report: &str,
        window: Window,
    ) -> impl Future<Output = std::result::Result<RunOutput, RunFailure>> + Send;
}

/// The runs of one pass over the schedule.
#[derive(Clone, Debug, Default)]
pub struct Tick {
    /// Every run done, as recorded.
    pub runs: Vec<RunRecord>,
    /// Per job, missed moments beyond the catch-up bound that were left out.
    pub skipped: Vec<(String, usize)>,
}

impl Tick {
    /// How many runs failed.
    pub fn failed(&self) -> usize {
        self.runs
            .iter()
            .filter(|r| r.status == RunStatus::Failed)
            .count()
    }
}

/// The scheduler over one lake.
#[derive(Debug)]
pub struct Scheduler<R> {
    lake: Lake,
    schedule: Schedule,
    runner: R,
    arrivals: Arrivals,
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

impl<R: ReportRunner> Scheduler<R> {
    /// A scheduler of `schedule` over `lake`, running reports with `runner`.
    pub fn new(lake: Lake, schedule: Schedule, runner: R) -> Self {
        Scheduler {
            lake,
            schedule,
            runner,
            arrivals: Arrivals::default(),
        }
    }

    /// The schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Does everything due at `now`: for each job, its due and missed runs and, when it is due
    /// or `recompute_always`, its failed or late dates. Stops between runs once `stop` is true.
    pub async fn tick(
        &mut self,
        now: DateTime<Utc>,
        recompute_always: bool,
        stop: &watch::Receiver<bool>,
    ) -> Result<Tick> {
        self.arrivals.refresh(self.lake.store()).await?;
        let mut tick = Tick::default();
        for job in &self.schedule.jobs {
            let records = read_records(self.lake.store(), &job.name).await?;
            let plan = plan(job, &records, &self.arrivals, now, recompute_always);
            if plan.skipped > 0 {
                warn!(
                    job = %job.name,
                    skipped = plan.skipped,
                    catch_up = job.catch_up,
                    "missed runs older than the catch-up bound are left out"
                );
                tick.skipped.push((job.name.clone(), plan.skipped));
            }
            let mut next_run = records.last().map_or(1, |r| r.run + 1);
            for planned in plan.runs {
                if *stop.borrow() {
                    return Ok(tick);
                }
                self.arrivals.refresh(self.lake.store()).await?;
                let mut record =
                    execute(&self.runner, job, &planned, next_run, self.arrivals.version).await;
                next_run = append_record(self.lake.store(), &mut record).await? + 1;
                tick.runs.push(record);
            }
        }
        Ok(tick)
    }

    /// The next moment any job is due after `after`.
    pub fn next_due(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule
            .jobs
            .iter()
            .filter_map(|job| job.next_after(after))
            .min()
    }

    /// Runs until `stop` turns true: a first pass catches up and recomputes, then it sleeps
    /// until the next due moment, runs what is due, and so on. `on_tick` sees every pass.
    pub async fn run_loop(
        &mut self,
        mut stop: watch::Receiver<bool>,
        mut on_tick: impl FnMut(&Tick),
    ) -> Result<()> {
        let tick = self.tick(Utc::now(), true, &stop).await?;
        on_tick(&tick);
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let Some(next) = self.next_due(Utc::now()) else {
                info!("no job has a future cron moment; waiting for a signal to stop");
                let _ = stop.changed().await;
                return Ok(());
            };
            info!(next = %rfc3339(next), "sleeping until the next due job");
            // Sleep in steps of at most five minutes, re-reading the clock, so a clock change
            // or a suspended machine does not push the next run off.
            while Utc::now() < next {
                let left = (next - Utc::now()).to_std().unwrap_or_default();
                let step = left.min(Duration::from_secs(300)) + Duration::from_millis(5);
                tokio::select! {
                    () = tokio::time::sleep(step) => {}
                    _ = stop.changed() => return Ok(()),
                }
            }
            let tick = self.tick(Utc::now(), false, &stop).await?;
            on_tick(&tick);
        }
    }
}

/// Runs one planned run and builds its record (number `run`, lake version `lake_version`).
async fn execute<R: ReportRunner>(
    runner: &R,
    job: &Job,
    planned: &PlannedRun,
    run: u64,
    lake_version: u64,
) -> RunRecord {
    let started_at = Utc::now();
    let clock = Instant::now();
    info!(job = %job.name, report = %job.report, window = %planned.window,
          trigger = ?planned.trigger, "running");
    let result = runner.run(&job.report, planned.window).await;
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (window_from, window_to, as_of) = match planned.window {
        Window::Dates { from, to } => (Some(from), Some(to), None),
        Window::AsOf(at) => (None, None, Some(rfc3339(at))),
    };
    let (status, output, error) = match result {
        Ok(output) => {
            info!(job = %job.name, rows = output.rows, partitions = output.partitions,
                  duration_ms, "run succeeded");
            (RunStatus::Succeeded, output, None)
        }
        Err(e) => {
            let error = error_chain(e.as_ref());
            warn!(job = %job.name, window = %planned.window, error = %error, "run failed");
            (RunStatus::Failed, RunOutput::default(), Some(error))
        }
    };
    RunRecord {
        job: job.name.clone(),
        report: job.report.clone(),
        run,
        trigger: planned.trigger,
        scheduled_for: planned.scheduled_for.map(rfc3339),
        window_from,
        window_to,
        as_of,
        lake_version,
        started_at: rfc3339(started_at),
        finished_at: rfc3339(Utc::now()),
        duration_ms,
        rows: output.rows,
        partitions: output.partitions,
        status,
        error,
    }
}
