//! Kafka ingest throughput and memory through librdkafka's in-process mock cluster.
//!
//! ```text
//! cargo run --release -p roomsight-benches --bin ingest_mock -- --rooms 200 --days 1
//! cargo run --release -p roomsight-benches --bin ingest_mock -- --mode stream --rooms 50 --days 7
//! ```
//!
//! Two modes, both with the ingest's default batch settings (flush 64 MiB / 30 s, zstd 1):
//! - `backlog` (default): the fleet is produced first, then one group member consumes the whole
//!   backlog as fast as it can into a fresh lake (`run::kafka::run` with `--once`). This is the
//!   fast-stream case: the consumer never waits for data, so its memory is what its
//!   configuration allows (flush buffer, the flush being encoded, librdkafka's fetch queue),
//!   not what the input rate would push. The mock brokers keep only the newest 5 MiB of a
//!   partition, so the backlog is spread over enough partitions (random partitioner: keys do
//!   not matter to the ingest) and the run fails if anything was trimmed. The measured span
//!   starts at the first consumed message (the group join before it is idle waiting) and the
//!   peak RSS is reset just before it; the RSS the mock cluster holds for the backlog is
//!   printed separately, so the ingest's own share is peak − baseline.
//! - `stream`: the simulator produces while the ingest consumes, the backlog bounded as in
//!   `roomsight demo`; CPU and memory are the whole process (simulator, producer and broker
//!   included), so this is an upper bound on the ingest's cost.
//!
//! It prints a Markdown table row (messages, MiB, seconds, events/s, MiB/s, CPU seconds,
//! events and MiB per CPU-second, peak RSS) and checks that every event landed exactly once.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use roomsight_benches::fixed_config;
use roomsight_benches::measure::{IngestRow, Stopwatch, peak_rss_bytes, reset_peak_rss, rss_bytes};
use roomsight_datasets::{Fleet, SimConfig, Summary};
use roomsight_ingest::kafka::{ConsumerConfig, InProcessKafka, ProducerConfig, TelemetryProducer};
use roomsight_ingest::lake::encode::EncodeOptions;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::message_key;
use roomsight_ingest::metrics::{Metrics, Source};
use roomsight_ingest::run::kafka::{KafkaRun, run};
use roomsight_ingest::run::{RunError, RunSummary, Shutdown};
use roomsight_ingest::writer::{LakeWriter, WriterConfig};

const TOPIC: &str = "room-telemetry";
/// Payload bytes per partition the backlog mode aims at (the mock keeps 5 MiB).
const BYTES_PER_PARTITION: u64 = 3 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Produce everything, then consume the backlog as fast as possible.
    Backlog,
    /// Produce while consuming, with a bounded backlog (the demo's flow).
    Stream,
}

/// Kafka ingest throughput through an in-process mock cluster.
#[derive(Debug, Parser)]
struct Args {
    /// Rooms of the simulated fleet (seed 1, from 2026-11-02, 1% resends, 1% late).
    #[arg(long, env = "ROOMSIGHT_ROOMS", default_value_t = 200)]
    rooms: usize,
    /// Days of the simulated fleet.
    #[arg(long, env = "ROOMSIGHT_DAYS", default_value_t = 1)]
    days: u32,
    /// Backlog (produce, then consume) or stream (produce while consuming).
    #[arg(long, value_enum, default_value_t = Mode::Backlog)]
    mode: Mode,
    /// Partitions of the topic; default: enough for the backlog (backlog mode), 4 (stream).
    #[arg(long)]
    partitions: Option<i32>,
    /// Stream mode: messages produced but not yet consumed, at most.
    #[arg(long, default_value_t = 16_000)]
    max_backlog: u64,
    /// Flush when the buffered rows reach this many MiB (the ingest's default).
    #[arg(long, env = "ROOMSIGHT_FLUSH_MB", default_value_t = 64)]
    flush_mb: usize,
    /// Flush when the oldest buffered row is this many seconds old (the ingest's default).
    #[arg(long, env = "ROOMSIGHT_FLUSH_SECS", default_value_t = 30.0)]
    flush_secs: f64,
    /// zstd level of the Parquet files (the ingest's default).
    #[arg(long, env = "ROOMSIGHT_ZSTD_LEVEL", default_value_t = 1)]
    zstd_level: i32,
    /// Directory for the temporary lake (removed afterwards).
    #[arg(long, env = "ROOMSIGHT_BENCH_DIR")]
    dir: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = fixed_config(args.rooms, args.days);
    config.duplicates = 0.01;
    config.late = 0.01;
    config
        .validate()
        .context("the fleet settings are not usable")?;
    let fleet = Fleet::new(&config).context("the fleet settings are not usable")?;
    let parent = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&parent)?;
    let lake_dir = tempfile::tempdir_in(&parent).context("could not create the lake directory")?;
    let lake = Lake::open(&lake_dir.path().display().to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let metrics = Arc::new(Metrics::new());
    let writer_config = WriterConfig {
        flush_bytes: args.flush_mb << 20,
        flush_age: Duration::from_secs_f64(args.flush_secs),
        encode: EncodeOptions {
            zstd_level: args.zstd_level,
            ..EncodeOptions::default()
        },
        ..WriterConfig::default()
    };
    let writer = LakeWriter::open(
        lake,
        runtime.handle().clone(),
        writer_config,
        Arc::clone(&metrics),
    )?;
    let shutdown = Shutdown::new();

    let (measured, produced, ingested, baseline) = match args.mode {
        Mode::Backlog => {
            let (kafka, produced) = produce_backlog(&fleet, args.partitions)?;
            let baseline = rss_bytes().unwrap_or(0);
            reset_peak_rss();
            let ingest = start_ingest(&kafka, writer, true, &shutdown);
            let watch = wait_for_first_message(&metrics, &ingest);
            let ingested = join(ingest)?;
            (watch.elapsed(), produced, ingested, baseline)
        }
        Mode::Stream => {
            let kafka = InProcessKafka::start(TOPIC, args.partitions.unwrap_or(4))?;
            let baseline = rss_bytes().unwrap_or(0);
            reset_peak_rss();
            let ingest = start_ingest(&kafka, writer, false, &shutdown);
            let producer = {
                let (config, brokers, metrics) =
                    (config.clone(), kafka.brokers(), Arc::clone(&metrics));
                let max_backlog = args.max_backlog;
                std::thread::spawn(move || produce_paced(&config, &brokers, &metrics, max_backlog))
            };
            let watch = wait_for_first_message(&metrics, &ingest);
            let produced = producer
                .join()
                .map_err(|_| anyhow::anyhow!("the producer thread panicked"))??;
            wait_until_read(&metrics, produced.lines, &ingest)?;
            shutdown.request();
            let ingested = join(ingest)?;
            (watch.elapsed(), produced, ingested, baseline)
        }
    };
    let (wall, cpu) = measured;
    let peak = peak_rss_bytes().unwrap_or(0);
    check_landed(&metrics, &produced, &ingested)?;

    let row = IngestRow {
        name: format!(
            "mock {} {}×{}",
            match args.mode {
                Mode::Backlog => "backlog",
                Mode::Stream => "stream",
            },
            args.rooms,
            args.days
        ),
        messages: produced.lines,
        bytes: produced.bytes - produced.lines,
        wall,
        cpu,
        peak_rss: peak,
    };
    println!("{}", IngestRow::HEADER);
    println!("{row}");
    println!();
    println!(
        "landed {} rows in {} commits, {} files, {:.0} MiB of Parquet; {} resends dropped",
        ingested.rows,
        ingested.commits,
        ingested.files,
        ingested.bytes as f64 / f64::from(1 << 20),
        produced.duplicates
    );
    println!(
        "RSS before consuming {:.0} MiB (the mock cluster holding the backlog, the runtime); peak while consuming {:.0} MiB; the ingest's share {:.0} MiB",
        baseline as f64 / f64::from(1 << 20),
        peak as f64 / f64::from(1 << 20),
        peak.saturating_sub(baseline) as f64 / f64::from(1 << 20),
    );
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}

/// Produces the whole fleet into a fresh mock cluster with enough partitions to hold it.
fn produce_backlog(
    fleet: &Fleet,
    partitions: Option<i32>,
) -> anyhow::Result<(InProcessKafka, Summary)> {
    let counted = fleet
        .emit(|_: &[u8]| Ok::<(), std::convert::Infallible>(()))
        .unwrap_or_else(|never| match never {});
    let payload = counted.bytes - counted.lines;
    let partitions = partitions.unwrap_or_else(|| {
        i32::try_from(payload.div_ceil(BYTES_PER_PARTITION).max(4)).unwrap_or(i32::MAX)
    });
    let kafka = InProcessKafka::start(TOPIC, partitions)?;
    let started = Instant::now();
    let mut producer = TelemetryProducer::new(&ProducerConfig {
        brokers: kafka.brokers(),
        topic: TOPIC.into(),
        // Spread evenly whatever the keys, so no partition outgrows the mock's 5 MiB.
        options: vec![("partitioner".into(), "random".into())],
    })?;
    let produced = fleet.emit(|line: &[u8]| {
        let key = message_key(line).unwrap_or_default();
        producer.send(key.as_bytes(), line)
    })?;
    producer.finish(Duration::from_secs(300))?;
    eprintln!(
        "produced {} messages ({:.0} MiB) into {partitions} partitions in {:.1} s",
        produced.lines,
        payload as f64 / f64::from(1 << 20),
        started.elapsed().as_secs_f64()
    );
    Ok((kafka, produced))
}

/// Simulates and produces while the ingest consumes, keeping at most `max_backlog` messages
/// unread (the mock brokers would trim a longer backlog).
fn produce_paced(
    config: &SimConfig,
    brokers: &str,
    metrics: &Metrics,
    max_backlog: u64,
) -> anyhow::Result<Summary> {
    let fleet = Fleet::new(config)?;
    let mut producer = TelemetryProducer::new(&ProducerConfig {
        brokers: brokers.into(),
        topic: TOPIC.into(),
        options: Vec::new(),
    })?;
    let mut sent = 0u64;
    let started = Instant::now();
    let produced = fleet.emit(|line: &[u8]| {
        while sent.saturating_sub(metrics.messages_total(Source::Kafka)) > max_backlog {
            if started.elapsed() > Duration::from_secs(3600) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        sent += 1;
        let key = message_key(line).unwrap_or_default();
        producer.send(key.as_bytes(), line)
    })?;
    producer.finish(Duration::from_secs(120))?;
    Ok(produced)
}

fn start_ingest(
    kafka: &InProcessKafka,
    writer: LakeWriter,
    once: bool,
    shutdown: &Shutdown,
) -> JoinHandle<Result<RunSummary, RunError>> {
    let settings = KafkaRun {
        consumer: ConsumerConfig {
            brokers: kafka.brokers(),
            topic: TOPIC.into(),
            group: "roomsight-bench".into(),
            options: Vec::new(),
        },
        once,
        lag_interval: Duration::from_secs(5),
        dlq_topic: None,
        on_gap: roomsight_ingest::run::kafka::OnGap::Record,
    };
    let shutdown = shutdown.clone();
    std::thread::spawn(move || run(&settings, writer, &shutdown))
}

/// Waits for the group join: returns a stopwatch started at the first consumed message.
fn wait_for_first_message<T>(metrics: &Metrics, ingest: &JoinHandle<T>) -> Stopwatch {
    while metrics.messages_total(Source::Kafka) == 0 && !ingest.is_finished() {
        std::thread::sleep(Duration::from_millis(1));
    }
    Stopwatch::start()
}

/// Waits until the ingest has read `total` messages, failing if it stalls for a minute.
fn wait_until_read<T>(metrics: &Metrics, total: u64, ingest: &JoinHandle<T>) -> anyhow::Result<()> {
    let mut last = (0, Instant::now());
    while metrics.messages_total(Source::Kafka) < total && !ingest.is_finished() {
        let read = metrics.messages_total(Source::Kafka);
        if read > last.0 {
            last = (read, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(60) {
            bail!("the ingest stalled at {read} of {total} messages");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn join(ingest: JoinHandle<Result<RunSummary, RunError>>) -> anyhow::Result<RunSummary> {
    ingest
        .join()
        .map_err(|_| anyhow::anyhow!("the ingest thread panicked"))?
        .context("the ingest failed")
}

/// Every message read, every distinct event landed once, nothing rejected.
fn check_landed(
    metrics: &Metrics,
    produced: &Summary,
    ingested: &RunSummary,
) -> anyhow::Result<()> {
    let read = metrics.messages_total(Source::Kafka);
    if read != produced.lines {
        bail!(
            "the ingest read {read} of {} messages: the mock cluster trimmed the backlog; use more --partitions or a smaller fleet",
            produced.lines
        );
    }
    if ingested.rows != produced.total_events() {
        bail!(
            "the lake got {} rows for {} distinct events: the benchmark measured a broken ingest",
            ingested.rows,
            produced.total_events()
        );
    }
    Ok(())
}
