//! `roomsight jobs run`: the report scheduler (schedule format: `roomsight_pipeline::jobs`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use roomsight_pipeline::jobs::{CatalogRunner, Schedule, Scheduler, Tick};
use roomsight_queries::{Catalog, CatalogOptions};
use tokio::sync::watch;

use crate::cli::{BusinessHoursArgs, LakeArgs};
use crate::cmd::lake::{open_existing, runtime};

/// Flags of `roomsight jobs`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: JobsCommand,
}

/// The subcommands of `roomsight jobs`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum JobsCommand {
    /// Run the reports of a schedule file when their cron expressions come due, catching up
    /// missed runs and recomputing dates that received late data; every run is recorded in
    /// the lake (`lake status` shows them).
    Run(RunArgs),
}

/// Flags of `roomsight jobs run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// The schedule (TOML): `[[jobs]]` with `report`, `cron` (5 fields), `window` (`yesterday`,
    /// `today`, `last N days`, `snapshot`) and optional `name`, `timezone`, `catch_up`,
    /// `recompute_days`.
    #[arg(long, env = "ROOMSIGHT_SCHEDULE", value_name = "FILE")]
    pub(crate) schedule: PathBuf,

    /// Run what is due now (catching up missed runs, recomputing late or failed dates) and
    /// exit; exit code 1 if any run failed.
    #[arg(long, env = "ROOMSIGHT_ONCE")]
    pub(crate) once: bool,

    #[command(flatten)]
    pub(crate) business: BusinessHoursArgs,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        JobsCommand::Run(args) => run_jobs(args),
    }
}

fn print_tick(tick: &Tick) {
    for run in &tick.runs {
        let window = run
            .window()
            .map_or_else(|| "-".to_owned(), |w| w.to_string());
        let outcome = match &run.error {
            None => format!("{} rows, {} partitions", run.rows, run.partitions),
            Some(error) => format!("FAILED: {error}"),
        };
        println!(
            "{} #{} {:?} {} ({} ms): {}",
            run.job, run.run, run.trigger, window, run.duration_ms, outcome
        );
    }
    for (job, skipped) in &tick.skipped {
        println!("{job}: {skipped} missed runs older than the catch-up bound were left out");
    }
}

fn run_jobs(args: RunArgs) -> anyhow::Result<ExitCode> {
    let schedule = Schedule::load(&args.schedule)?;
    schedule.check_reports().map_err(|reason| {
        anyhow::anyhow!(
            "the schedule file {} is not valid: {reason}",
            args.schedule.display()
        )
    })?;
    let lake = open_existing(&args.lake.lake)?;
    tracing::info!(lake = lake.url(), schedule = %args.schedule.display(), jobs = schedule.jobs.len(),
                   once = args.once, business_hours = ?args.business.hours(), "starting the scheduler");
    let runtime = runtime()?;
    runtime.block_on(async {
        let catalog = Catalog::open(lake.url(), CatalogOptions::default())
            .await
            .with_context(|| format!("could not open the lake at {} for SQL", lake.url()))?;
        let runner = CatalogRunner::new(catalog).with_business_hours(args.business.hours());
        let mut scheduler = Scheduler::new(lake.clone(), schedule, runner);
        let (stop_tx, stop_rx) = watch::channel(false);
        if args.once {
            let tick = scheduler
                .tick(chrono::Utc::now(), true, &stop_rx)
                .await
                .context("the scheduler failed")?;
            print_tick(&tick);
            return Ok(if tick.failed() > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
        let mut work = std::pin::pin!(scheduler.run_loop(stop_rx, print_tick));
        tokio::select! {
            result = &mut work => {
                result.context("the scheduler failed")?;
                return Ok(ExitCode::SUCCESS);
            }
            signal = wait_for_signal() => {
                signal?;
                tracing::info!("signal received: stopping after the current run");
                let _ = stop_tx.send(true);
            }
        }
        work.await.context("the scheduler failed")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
async fn wait_for_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("could not listen for SIGTERM")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("could not listen for SIGINT"),
        _ = term.recv() => Ok(()),
    }
}
