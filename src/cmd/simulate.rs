//! `roomsight simulate`: writes a seeded, deterministic fleet to a directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use roomsight_datasets::{Progress, SimConfig, write_to_dir};

use crate::progress;

/// Flags of `roomsight simulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Number of rooms (each has one room system and its peripherals).
    #[arg(long, env = "ROOMSIGHT_ROOMS", default_value_t = 50, value_name = "N")]
    pub(crate) rooms: usize,

    /// Number of days to simulate.
    #[arg(long, env = "ROOMSIGHT_DAYS", default_value_t = 7, value_name = "D")]
    pub(crate) days: u32,

    /// First simulated day (UTC); default: the `--days` days that end at today's midnight UTC.
    #[arg(long, env = "ROOMSIGHT_START", value_name = "YYYY-MM-DD")]
    pub(crate) start: Option<NaiveDate>,

    /// Random seed: the same seed and flags give byte-identical files.
    #[arg(long, env = "ROOMSIGHT_SEED", default_value_t = 1, value_name = "S")]
    pub(crate) seed: u64,

    /// Directory to write rooms.csv, events.ndjson and faults.csv into (created if missing).
    #[arg(long, env = "ROOMSIGHT_OUT", value_name = "DIR")]
    pub(crate) out: PathBuf,

    /// Probability that an event is sent again later with the same event_id (producer retries).
    #[arg(
        long,
        env = "ROOMSIGHT_DUPLICATES",
        default_value_t = 0.0,
        value_name = "P"
    )]
    pub(crate) duplicates: f64,

    /// Probability that an event is sent late (minutes to a day), out of order.
    #[arg(long, env = "ROOMSIGHT_LATE", default_value_t = 0.0, value_name = "P")]
    pub(crate) late: f64,

    /// Injected faults per peripheral per week; 0 simulates a fault-free fleet.
    #[arg(long, env = "ROOMSIGHT_FAULT_RATE", value_name = "R")]
    pub(crate) fault_rate: Option<f64>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = args.start.unwrap_or_else(|| {
        let today = chrono::Utc::now().date_naive();
        today - chrono::Days::new(u64::from(args.days))
    });
    let mut config = SimConfig::new(args.rooms, args.days, start, args.seed);
    config.duplicates = args.duplicates;
    config.late = args.late;
    if let Some(rate) = args.fault_rate {
        config.fault_rate = rate;
    }
    config
        .validate()
        .context("the simulation settings are not usable")?;
    std::fs::create_dir_all(&args.out).with_context(|| {
        format!(
            "could not create the output directory {}",
            args.out.display()
        )
    })?;

    let bar = progress::steps(u64::from(args.days), "simulate");
    let mut on_progress = |p: Progress| bar.set_position(u64::from(p.days_done));
    let summary = write_to_dir(&config, &args.out, &mut on_progress)
        .with_context(|| format!("could not write the fleet to {}", args.out.display()))?;
    bar.finish_and_clear();

    println!("{}", summary);
    println!(
        "wrote {}/rooms.csv, events.ndjson, faults.csv",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
