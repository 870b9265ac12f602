//! `roomsight simulate`: writes a seeded, deterministic fleet to a directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::CommandFactory;
use roomsight_datasets::{Fleet, Progress, SimConfig, Summary, write_to_dir};
use roomsight_ingest::kafka::{ProducerConfig, TelemetryProducer};
use roomsight_ingest::message_key;

use crate::cli::{Cli, KafkaArgs};
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

    /// Directory to write rooms.csv, events.ndjson, faults.csv and releases.csv into (created if
    /// missing); with --brokers, only the CSV files go there and the events go to Kafka.
    #[arg(long, env = "ROOMSIGHT_OUT", value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,

    /// Produce the events to Kafka (keyed by device_id) instead of writing events.ndjson.
    #[command(flatten)]
    pub(crate) kafka: KafkaArgs,

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
    if args.out.is_none() && args.kafka.brokers.is_none() {
        Cli::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "simulate needs --out DIR, or --brokers B (and --topic T) to produce to Kafka",
            )
            .exit();
    }
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)
            .with_context(|| format!("could not create the output directory {}", out.display()))?;
    }

    let bar = progress::steps(u64::from(args.days), "simulate");
    let mut on_progress = |p: Progress| bar.set_position(u64::from(p.days_done));
    let summary = match (&args.kafka.brokers, &args.out) {
        (Some(brokers), out) => {
            let producer = ProducerConfig {
                brokers: brokers.clone(),
                topic: args.kafka.topic.clone(),
                options: args.kafka.kafka_options.clone(),
            };
            produce(
                &config,
                &producer,
                out.as_deref(),
                &mut on_progress,
                &mut |_| {},
            )?
        }
        (None, Some(out)) => write_to_dir(&config, out, &mut on_progress)
            .with_context(|| format!("could not write the fleet to {}", out.display()))?,
        (None, None) => unreachable!("checked above: --out or --brokers is given"),
    };
    bar.finish_and_clear();

    println!("{summary}");
    if let Some(brokers) = &args.kafka.brokers {
        println!(
            "produced the events to topic {} at {brokers}",
            args.kafka.topic
        );
    }
    match (&args.kafka.brokers, &args.out) {
        (Some(_), Some(out)) => println!(
            "wrote {}/rooms.csv, faults.csv, releases.csv",
            out.display()
        ),
        (None, Some(out)) => {
            println!(
                "wrote {}/rooms.csv, events.ndjson, faults.csv, releases.csv",
                out.display()
            )
        }
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// Streams the fleet's events to Kafka, each keyed by its `device_id`; `pace` is called with
/// the number of messages sent so far before each send and may wait (the demo keeps the
/// in-process cluster's backlog bounded with it).
pub(crate) fn produce(
    config: &SimConfig,
    producer: &ProducerConfig,
    out: Option<&std::path::Path>,
    progress: &mut dyn FnMut(Progress),
    pace: &mut dyn FnMut(u64),
) -> anyhow::Result<Summary> {
    let fleet = Fleet::new(config).context("the simulation settings are not usable")?;
    if let Some(dir) = out {
        let create = |name: &str| {
            let path = dir.join(name);
            std::fs::File::create(&path)
                .with_context(|| format!("could not create {}", path.display()))
        };
        fleet
            .rooms_csv(create("rooms.csv")?)
            .context("while writing rooms.csv")?;
        fleet
            .write_faults_csv(create("faults.csv")?)
            .context("while writing faults.csv")?;
        fleet
            .write_releases_csv(create("releases.csv")?)
            .context("while writing releases.csv")?;
    }
    let mut kafka = TelemetryProducer::new(producer)?;
    let mut sent = 0;
    let summary = fleet.emit_with_progress(
        |line: &[u8]| {
            let key = message_key(line).unwrap_or_default();
            sent += 1;
            pace(sent);
            kafka.send(key.as_bytes(), line)
        },
        progress,
    )?;
    kafka.finish(std::time::Duration::from_secs(120))?;
    Ok(summary)
}
