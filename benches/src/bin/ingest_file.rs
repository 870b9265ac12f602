//! File ingest throughput and memory: a simulated fleet's NDJSON → the lake, in process.
//!
//! ```text
//! cargo run --release -p roomsight-benches --bin ingest_file -- --rooms 200 --days 2
//! ```
//!
//! The same path as `roomsight ingest --file` (`run::files::run` over a [`LakeWriter`] with the
//! default batch settings: flush 64 MiB / 30 s, zstd 1), without the binary's argument parsing
//! and progress bar, so it runs wherever the ingest crate builds. The fleet (seed 1, from
//! 2026-11-02, 1% resends, 1% late, as `benches/scripts/ingest.sh` makes it) is written once
//! into a cache directory; each run ingests it into a fresh temporary lake. Prints a Markdown
//! table row: messages, MiB, seconds, events/s, MiB/s, CPU seconds, per CPU-second, peak RSS.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use roomsight_benches::fixed_config;
use roomsight_benches::measure::{IngestRow, Stopwatch, peak_rss_bytes, reset_peak_rss};
use roomsight_datasets::write_to_dir;
use roomsight_ingest::lake::encode::EncodeOptions;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::metrics::{Metrics, Source};
use roomsight_ingest::run::{Shutdown, files};
use roomsight_ingest::schema::Table;
use roomsight_ingest::writer::{LakeWriter, WriterConfig};

/// File ingest throughput over a simulated fleet.
#[derive(Debug, Parser)]
struct Args {
    /// Rooms of the simulated fleet.
    #[arg(long, env = "ROOMSIGHT_ROOMS", default_value_t = 200)]
    rooms: usize,
    /// Days of the simulated fleet.
    #[arg(long, env = "ROOMSIGHT_DAYS", default_value_t = 2)]
    days: u32,
    /// Flush when the buffered rows reach this many MiB (the ingest's default).
    #[arg(long, env = "ROOMSIGHT_FLUSH_MB", default_value_t = 64)]
    flush_mb: usize,
    /// Flush when the oldest buffered row is this many seconds old (the ingest's default).
    #[arg(long, env = "ROOMSIGHT_FLUSH_SECS", default_value_t = 30.0)]
    flush_secs: f64,
    /// zstd level of the Parquet files (the ingest's default).
    #[arg(long, env = "ROOMSIGHT_ZSTD_LEVEL", default_value_t = 1)]
    zstd_level: i32,
    /// Cache of fleets and parent of the temporary lake.
    #[arg(long, env = "ROOMSIGHT_BENCH_DIR")]
    dir: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = args.dir.clone().unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
        home.join(".cache/roomsight/bench")
    });
    let fleet_dir = dir.join(format!("ingest-{}-{}/fleet", args.rooms, args.days));
    let events = fleet_dir.join("events.ndjson");
    if !events.is_file() {
        std::fs::create_dir_all(&fleet_dir)?;
        let mut config = fixed_config(args.rooms, args.days);
        config.duplicates = 0.01;
        config.late = 0.01;
        write_to_dir(&config, &fleet_dir, &mut |_| {})
            .with_context(|| format!("could not write the fleet to {}", fleet_dir.display()))?;
    }
    let bytes = std::fs::metadata(&events)?.len();

    let lake_dir = tempfile::tempdir_in(&dir).context("could not create the lake directory")?;
    let lake = Lake::open(&lake_dir.path().display().to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let metrics = Arc::new(Metrics::new());
    let config = WriterConfig {
        flush_bytes: args.flush_mb << 20,
        flush_age: Duration::from_secs_f64(args.flush_secs),
        encode: EncodeOptions {
            zstd_level: args.zstd_level,
            ..EncodeOptions::default()
        },
        ..WriterConfig::default()
    };
    reset_peak_rss();
    let watch = Stopwatch::start();
    let mut writer =
        LakeWriter::open(lake, runtime.handle().clone(), config, Arc::clone(&metrics))?;
    let summary = files::run(&[&events], &mut writer, &Shutdown::new(), &mut |_| {})?;
    let (wall, cpu) = watch.elapsed();
    let peak = peak_rss_bytes().unwrap_or(0);
    let messages = metrics.messages_total(Source::File);
    let resends: u64 = Table::TELEMETRY
        .iter()
        .map(|&t| metrics.duplicates_total(t))
        .sum();
    if messages == 0 || summary.rows + resends != messages {
        bail!(
            "{messages} messages became {} rows and {resends} dropped resends: the benchmark measured a broken ingest",
            summary.rows
        );
    }

    let row = IngestRow {
        name: format!("file {}×{}", args.rooms, args.days),
        messages,
        bytes,
        wall,
        cpu,
        peak_rss: peak,
    };
    println!("{}", IngestRow::HEADER);
    println!("{row}");
    println!();
    println!(
        "landed {} rows in {} commits, {} files, {:.0} MiB of Parquet (from {})",
        summary.rows,
        summary.commits,
        summary.files,
        summary.bytes as f64 / f64::from(1 << 20),
        events.display()
    );
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}
