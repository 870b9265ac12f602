//! `roomsight ingest`: Kafka or NDJSON files → the lake.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::CommandFactory;
use roomsight_ingest::kafka::ConsumerConfig;
use roomsight_ingest::lake::encode::EncodeOptions;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::metrics::{self, Metrics, Source};
use roomsight_ingest::reason::Reason;
use roomsight_ingest::run::kafka::OnGap;
use roomsight_ingest::run::{self, RunSummary, Shutdown};
use roomsight_ingest::schema::Table;
use roomsight_ingest::writer::{LakeWriter, WriterConfig};
use tokio::runtime::Runtime;

use crate::cli::{Cli, KafkaArgs};
use crate::progress;

/// Flags of `roomsight ingest`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The lake: a local directory or `file:///…` URL.
    #[arg(long, env = "ROOMSIGHT_LAKE", value_name = "URL")]
    pub(crate) lake: String,

    /// Consume from Kafka.
    #[command(flatten)]
    pub(crate) kafka: KafkaArgs,

    /// The consumer group every ingest process of this lake shares.
    #[arg(
        long,
        env = "ROOMSIGHT_GROUP",
        default_value = "roomsight-ingest",
        value_name = "G"
    )]
    pub(crate) group: String,

    /// NDJSON files to backfill instead of Kafka (a rerun resumes where the lake stopped).
    #[arg(long = "file", env = "ROOMSIGHT_FILE", value_delimiter = ',', value_name = "F", conflicts_with = "brokers", num_args = 1..)]
    pub(crate) files: Vec<PathBuf>,

    /// Exit once caught up: every assigned partition at its end (or the files read) and
    /// everything committed, and, in a group, the lake holding the other members' partitions up
    /// to their ends at that moment (a killed member's partitions are taken over when its
    /// session expires, then read).
    #[arg(long, env = "ROOMSIGHT_ONCE")]
    pub(crate) once: bool,

    /// Also produce every rejected message (scrubbed, keyed by its reason) to this Kafka topic,
    /// e.g. `room-telemetry-dlq`; the lake's `dead_letters` table has them all either way.
    #[arg(
        long,
        env = "ROOMSIGHT_DLQ_TOPIC",
        value_name = "T",
        requires = "brokers"
    )]
    pub(crate) dlq_topic: Option<String>,

    /// What a gap does — a partition continuing at a later offset than the lake stopped at,
    /// because Kafka no longer has the offsets in between (retention, compaction, deleted
    /// records, transaction markers): `record` counts it in the metrics, records its range in
    /// the lake (`lake status` shows it) and goes on; `fail` stops with exit 1 after committing
    /// what came before. A gap is checked by seeking back once before either.
    #[arg(
        long,
        env = "ROOMSIGHT_ON_GAP",
        value_enum,
        default_value_t = GapPolicy::Record,
        value_name = "WHAT"
    )]
    pub(crate) on_gap: GapPolicy,

    /// Serve Prometheus metrics at `http://ADDR/metrics` (e.g. `127.0.0.1:9464`).
    #[arg(long, env = "ROOMSIGHT_METRICS_ADDR", value_name = "ADDR")]
    pub(crate) metrics_addr: Option<String>,

    /// Flush when the buffered rows reach this many MiB (memory is bounded by about twice
    /// this plus the Kafka fetch queue).
    #[arg(
        long,
        env = "ROOMSIGHT_FLUSH_MB",
        default_value_t = 64,
        value_name = "MIB"
    )]
    pub(crate) flush_mb: usize,

    /// Flush when the oldest buffered row is this many seconds old.
    #[arg(
        long,
        env = "ROOMSIGHT_FLUSH_SECS",
        default_value_t = 30.0,
        value_name = "S"
    )]
    pub(crate) flush_secs: f64,

    /// zstd level of the Parquet files (1–22).
    #[arg(
        long,
        env = "ROOMSIGHT_ZSTD_LEVEL",
        default_value_t = 1,
        value_name = "L"
    )]
    pub(crate) zstd_level: i32,
}

/// `--on-gap`: what a gap in a Kafka partition does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum GapPolicy {
    /// Count it, record it in the lake and go on.
    Record,
    /// Stop with exit 1.
    Fail,
}

impl From<GapPolicy> for OnGap {
    fn from(policy: GapPolicy) -> Self {
        match policy {
            GapPolicy::Record => OnGap::Record,
            GapPolicy::Fail => OnGap::Fail,
        }
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.files.is_empty() && args.kafka.brokers.is_none() {
        Cli::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "ingest needs --brokers B (and --topic T) to consume Kafka, or --file F… to backfill",
            )
            .exit();
    }
    if !(args.flush_secs.is_finite() && args.flush_secs > 0.0) || args.flush_mb == 0 {
        Cli::command()
            .error(
                clap::error::ErrorKind::ValueValidation,
                "--flush-mb and --flush-secs must be positive",
            )
            .exit();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let shutdown = Shutdown::new();
    runtime.spawn(stop_on_signal(shutdown.clone()));
    let metrics = Arc::new(Metrics::new());
    if let Some(addr) = &args.metrics_addr {
        serve_metrics(&runtime, addr, &metrics, &shutdown)?;
    }

    let lake = Lake::open(&args.lake)?;
    let config = WriterConfig {
        flush_bytes: args.flush_mb << 20,
        flush_age: Duration::from_secs_f64(args.flush_secs),
        encode: EncodeOptions {
            zstd_level: args.zstd_level,
            ..EncodeOptions::default()
        },
        ..WriterConfig::default()
    };
    let mut writer = LakeWriter::open(lake, runtime.handle().clone(), config, Arc::clone(&metrics))
        .with_context(|| format!("could not open the lake {} for writing", args.lake))?;

    let started = Instant::now();
    let summary = if args.files.is_empty() {
        let brokers = args.kafka.brokers.clone().unwrap_or_default();
        let kafka = run::kafka::KafkaRun {
            consumer: ConsumerConfig {
                brokers,
                topic: args.kafka.topic.clone(),
                group: args.group.clone(),
                options: args.kafka.kafka_options.clone(),
            },
            once: args.once,
            lag_interval: Duration::from_secs(5),
            dlq_topic: args.dlq_topic.clone(),
            on_gap: args.on_gap.into(),
        };
        tracing::info!(topic = %args.kafka.topic, group = %args.group, lake = %args.lake, "consuming");
        run::kafka::run(&kafka, writer, &shutdown)?
    } else {
        let total = args
            .files
            .iter()
            .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
            .sum();
        let bar = progress::bytes(total, "ingest");
        let summary = run::files::run(&args.files, &mut writer, &shutdown, &mut |n| {
            bar.set_position(n)
        })?;
        bar.finish_and_clear();
        summary
    };
    print_summary(&summary, &metrics, started.elapsed());
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}

/// Sets the stop request on SIGINT or SIGTERM.
async fn stop_on_signal(shutdown: Shutdown) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("could not install signal handlers; SIGTERM will not flush");
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stop signal received: flushing and committing before exit");
    shutdown.request();
}

fn serve_metrics(
    runtime: &Runtime,
    addr: &str,
    metrics: &Arc<Metrics>,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let listener = runtime.block_on(metrics::bind(addr)).with_context(|| {
        format!("could not listen for metrics on {addr}; choose a free --metrics-addr")
    })?;
    let local = listener.local_addr().ok();
    tracing::info!(addr = ?local, "serving metrics at /metrics");
    let stop = shutdown.clone();
    let stopped = async move {
        while !stop.requested() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let metrics = Arc::clone(metrics);
    runtime.spawn(async move {
        if let Err(e) = metrics::serve(listener, metrics, stopped).await {
            tracing::warn!(error = %e, "the metrics endpoint stopped");
        }
    });
    Ok(())
}

fn print_summary(summary: &RunSummary, metrics: &Metrics, elapsed: Duration) {
    let messages = metrics.messages_total(Source::Kafka) + metrics.messages_total(Source::File);
    let secs = elapsed.as_secs_f64().max(1e-9);
    println!(
        "read {messages} messages in {:.1} s ({:.0}/s); {} commits, {} files, {:.1} MiB of Parquet",
        secs,
        messages as f64 / secs,
        summary.commits,
        summary.files,
        summary.bytes as f64 / (1 << 20) as f64
    );
    println!("{:<20} {:>12} {:>12}", "table", "rows", "duplicates");
    for table in Table::TELEMETRY {
        let rows = metrics.rows_committed_total(table);
        let dups = metrics.duplicates_total(table);
        if rows > 0 || dups > 0 {
            println!("{:<20} {rows:>12} {dups:>12}", table.name());
        }
    }
    let dead: Vec<(Reason, u64)> = Reason::ALL
        .iter()
        .map(|&r| (r, metrics.dead_letters_total(r)))
        .filter(|&(_, n)| n > 0)
        .collect();
    if dead.is_empty() {
        println!("no dead letters");
    } else {
        for (reason, n) in dead {
            println!("dead letters: {n} {}", reason.as_str());
        }
    }
    if metrics.redactions_total() > 0 {
        println!(
            "personal data redacted: {} e-mail addresses/UPNs",
            metrics.redactions_total()
        );
    }
    if summary.fenced > 0 {
        println!(
            "{} commits were refused because another ingest process had moved a partition on (re-read from the lake)",
            summary.fenced
        );
    }
}
