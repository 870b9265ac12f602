//! `roomsight demo`: the whole flow on one machine with nothing to set up — a simulated fleet
//! streams through an in-process Kafka cluster into the ingest, which writes the lake; the lake
//! is then compacted, every report of docs/reports.md runs over it, and the inventory export and
//! the estate dashboard are written beside it.

mod insights;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use roomsight_datasets::{Progress, SimConfig};
use roomsight_ingest::kafka::{ConsumerConfig, InProcessKafka, ProducerConfig};
use roomsight_ingest::lake::compact::{CompactOptions, compact};
use roomsight_ingest::lake::log::LOG_DIR;
use roomsight_ingest::lake::status::status;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::metrics::{Metrics, Source};
use roomsight_ingest::run::kafka::KafkaRun;
use roomsight_ingest::run::{self, Shutdown};
use roomsight_ingest::writer::{LakeWriter, WriterConfig};

use crate::cli::BusinessHoursArgs;
use crate::progress;

const TOPIC: &str = "room-telemetry";
/// Messages produced but not yet read by the ingest, at most.
const MAX_BACKLOG: u64 = 16_000;

/// Flags of `roomsight demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Number of rooms in the simulated estate.
    #[arg(long, env = "ROOMSIGHT_ROOMS", default_value_t = 50, value_name = "N")]
    rooms: usize,

    /// Days of telemetry. They end with the most recent weekday (Monday–Friday, UTC) before
    /// today, so the simulated window always holds business days (meetings, utilization),
    /// whatever day the demo runs on; --start pins the first day instead.
    #[arg(long, env = "ROOMSIGHT_DAYS", default_value_t = 7, value_name = "D")]
    days: u32,

    /// First simulated day (UTC), to run the demo over fixed dates (default: see --days).
    #[arg(long, env = "ROOMSIGHT_START", value_name = "YYYY-MM-DD")]
    start: Option<NaiveDate>,

    /// Where the fleet files and the lake go (the demo's lake is rebuilt on every run).
    #[arg(
        long,
        env = "ROOMSIGHT_DIR",
        default_value = "./roomsight-demo",
        value_name = "DIR"
    )]
    dir: PathBuf,

    /// Random seed of the fleet.
    #[arg(long, env = "ROOMSIGHT_SEED", default_value_t = 1, value_name = "S")]
    seed: u64,

    /// Stream through these Kafka bootstrap servers instead of an in-process cluster. The topic
    /// `--demo-topic` must exist there and be empty: the demo's lake is new on every run.
    #[arg(long, env = "ROOMSIGHT_DEMO_BROKERS", value_name = "B")]
    brokers: Option<String>,

    /// The topic to stream through with `--brokers`.
    #[arg(
        long,
        env = "ROOMSIGHT_DEMO_TOPIC",
        default_value = "roomsight-demo",
        value_name = "T",
        requires = "brokers"
    )]
    demo_topic: String,
    #[command(flatten)]
    pub(crate) business: BusinessHoursArgs,
}

/// The simulated days `(first, last)`: `days` days starting at `start`, or by default ending
/// with the most recent weekday before `today` (on a Monday, the Friday before), so the window
/// always holds business days. `days` is at least 1 (the simulator refuses 0).
fn demo_window(today: NaiveDate, days: u32, start: Option<NaiveDate>) -> (NaiveDate, NaiveDate) {
    let span = Days::new(u64::from(days.max(1)) - 1);
    if let Some(first) = start {
        return (first, first.checked_add_days(span).unwrap_or(first));
    }
    let mut last = today.pred_opt().unwrap_or(today);
    while matches!(last.weekday(), Weekday::Sat | Weekday::Sun) {
        last = last.pred_opt().unwrap_or(last);
    }
    (last.checked_sub_days(span).unwrap_or(last), last)
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let fleet_dir = args.dir.join("fleet");
    let lake_dir = args.dir.join("lake");
    std::fs::create_dir_all(&fleet_dir)
        .with_context(|| format!("could not create {}", fleet_dir.display()))?;
    fresh_lake(&lake_dir)?;
    let (start, last_day) = demo_window(chrono::Utc::now().date_naive(), args.days, args.start);
    // Snapshot reports look at the estate as the simulated window ends.
    let as_of = last_day
        .checked_add_days(Days::new(1))
        .unwrap_or(last_day)
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let mut config = SimConfig::new(args.rooms, args.days, start, args.seed);
    config.duplicates = 0.01;
    config.late = 0.01;
    config
        .validate()
        .context("the demo settings are not usable")?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let in_process = match &args.brokers {
        Some(_) => None,
        None => Some(InProcessKafka::start(TOPIC, 4)?),
    };
    let (brokers, topic, through) = match (&args.brokers, &in_process) {
        (Some(brokers), _) => (
            brokers.clone(),
            args.demo_topic.clone(),
            format!("Kafka at {brokers}"),
        ),
        (None, Some(kafka)) => (
            kafka.brokers(),
            TOPIC.to_string(),
            "an in-process Kafka cluster".to_string(),
        ),
        (None, None) => anyhow::bail!("no Kafka to stream through (a bug)"),
    };
    let lake = Lake::open(&lake_dir.display().to_string())?;
    let metrics = Arc::new(Metrics::new());
    let writer_config = WriterConfig {
        flush_age: Duration::from_secs(2),
        ..WriterConfig::default()
    };
    let writer = LakeWriter::open(
        lake.clone(),
        runtime.handle().clone(),
        writer_config,
        Arc::clone(&metrics),
    )?;
    let shutdown = Shutdown::new();
    let ingest = {
        let settings = KafkaRun {
            consumer: ConsumerConfig {
                brokers: brokers.clone(),
                topic: topic.clone(),
                group: "roomsight-demo".into(),
                options: Vec::new(),
            },
            once: false,
            lag_interval: Duration::from_secs(5),
            dlq_topic: None,
            on_gap: roomsight_ingest::run::kafka::OnGap::Record,
        };
        let shutdown = shutdown.clone();
        std::thread::spawn(move || run::kafka::run(&settings, writer, &shutdown))
    };

    // Produce the fleet while the ingest consumes it.
    let bar = progress::steps(u64::from(args.days), "simulate");
    let producer = ProducerConfig {
        brokers,
        topic,
        options: Vec::new(),
    };
    let produced = crate::cmd::simulate::produce(
        &config,
        &producer,
        Some(&fleet_dir),
        &mut |p: Progress| bar.set_position(u64::from(p.days_done)),
        &mut |sent| {
            // The mock brokers keep only the newest ~5 MB of a partition: stay
            // within reach of the ingest instead of letting the backlog be trimmed.
            while sent.saturating_sub(metrics.messages_total(Source::Kafka)) > MAX_BACKLOG
                && !ingest.is_finished()
            {
                std::thread::sleep(Duration::from_millis(5));
            }
        },
    );
    bar.finish_and_clear();
    let produced = match produced {
        Ok(summary) => summary,
        Err(e) => {
            shutdown.request();
            let _ = ingest.join();
            return Err(e);
        }
    };

    // Wait for the ingest to read every message, then let it commit and stop.
    let bar = progress::steps(produced.lines, "ingest");
    let mut last = (0, Instant::now());
    while metrics.messages_total(Source::Kafka) < produced.lines && !ingest.is_finished() {
        let read = metrics.messages_total(Source::Kafka);
        bar.set_position(read);
        if read > last.0 {
            last = (read, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(60) {
            shutdown.request();
            let _ = ingest.join();
            anyhow::bail!(
                "the ingest stopped making progress at {read} of {} messages; rerun with -v for its logs",
                produced.lines
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
    shutdown.request();
    let ingested = ingest
        .join()
        .map_err(|_| anyhow::anyhow!("the ingest thread panicked"))??;

    let compacted = runtime
        .block_on(compact(&lake, &CompactOptions::default(), &mut |_| {}))
        .context("could not compact the demo lake")?;
    let lake_status = runtime
        .block_on(status(&lake))
        .context("could not read the demo lake's status")?;
    let out_dir = args.dir.join("out");
    let insights = runtime.block_on(insights::compute(
        &lake,
        &fleet_dir.join("rooms.csv"),
        (start, last_day),
        as_of,
        args.business.hours(),
        &out_dir,
    ))?;

    println!(
        "simulated {} rooms for {} days ({start} … {last_day}{}): {} events ({} resent copies, {} late), streamed through {through}",
        args.rooms,
        args.days,
        if args.start.is_some() {
            ""
        } else {
            ", ending on the last weekday before today so the window holds business days"
        },
        produced.lines - produced.duplicates,
        produced.duplicates,
        produced.late
    );
    println!(
        "ingested {} messages in {} commits ({} resends dropped); compacted {} files into {}",
        metrics.messages_total(Source::Kafka),
        ingested.commits,
        roomsight_ingest::schema::Table::TELEMETRY
            .iter()
            .map(|&t| metrics.duplicates_total(t))
            .sum::<u64>(),
        compacted.files_in,
        compacted.files_out
    );
    println!();
    print!("{lake_status}");
    println!();
    print_incidents(&insights, &lake_dir);
    println!();
    println!(
        "reports over {start} … {last_day} ({} rooms in the directory):",
        insights.rooms
    );
    for (name, rows, seconds) in &insights.reports {
        println!("  {name:<26} {rows:>7} rows  {seconds:>6.2} s");
    }
    println!();
    print_estate(&insights.reliability);
    println!();
    println!("fleet:      {}", fleet_dir.display());
    println!("lake:       {}", lake_dir.display());
    println!("inventory:  {}", insights.inventory.display());
    println!("dashboard:  {}", insights.dashboard.display());
    println!(
        "next:       roomsight report usage_daily --lake {}",
        lake_dir.display()
    );
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(ExitCode::SUCCESS)
}

/// The estate owner's numbers: healthy rooms on the last day, meetings lost, the worst model.
fn print_estate(r: &roomsight_pipeline::dashboard::model::Reliability) {
    match r.health.last() {
        Some(day) => println!(
            "healthy rooms on {}: {:.1} % ({} of {})",
            day.date, day.healthy_pct, day.healthy_rooms, day.rooms
        ),
        None => println!("healthy rooms: no room health computed"),
    }
    println!(
        "meetings lost to incidents: {} (of {} bookings hit by a critical incident)",
        r.meetings_lost(),
        r.impact.iter().map(|w| w.lost + w.held).sum::<u64>()
    );
    match r.worst_model() {
        Some((model, mtbf, failures)) => println!(
            "worst model by MTBF: {model}: {mtbf:.1} operating hours per failure ({failures} failures)"
        ),
        None => println!("worst model by MTBF: no peripheral failed"),
    }
}

/// Incidents shown in full; the rest are counted.
const SHOWN_INCIDENTS: usize = 15;

/// What detection found: counts per kind and state, then the newest incidents.
fn print_incidents(insights: &insights::Insights, lake_dir: &Path) {
    let all = &insights.incidents;
    let mut by_kind: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for e in all {
        *by_kind
            .entry((e.kind.as_str(), e.state.as_str()))
            .or_default() += 1;
    }
    println!(
        "detection (rules and the built-in model) wrote {} incident events: {} incidents",
        insights.incident_events,
        all.len()
    );
    for ((kind, state), n) in &by_kind {
        println!("  {kind:<24} {state:<9} {n:>5}");
    }
    if all.is_empty() {
        return;
    }
    println!("newest:");
    for e in all.iter().take(SHOWN_INCIDENTS) {
        println!(
            "  {}  {:<23} {:<8} {:<8} {:<15} {}",
            e.opened_at.format("%Y-%m-%d %H:%M"),
            e.kind.as_str(),
            e.severity.as_str(),
            e.state.as_str(),
            e.peripheral_id.as_deref().unwrap_or(&e.device_id),
            e.summary
        );
    }
    if all.len() > SHOWN_INCIDENTS {
        println!(
            "  … and {} more: roomsight incidents list --lake {}",
            all.len() - SHOWN_INCIDENTS,
            lake_dir.display()
        );
    }
}

/// Removes a previous demo's lake (only if it is one: it has a commit log), so the new
/// in-process cluster's offsets start from an empty lake.
fn fresh_lake(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.join(LOG_DIR).is_dir() {
        anyhow::bail!(
            "{} exists and is not a roomsight lake; choose another --dir",
            dir.display()
        );
    }
    std::fs::remove_dir_all(dir)
        .with_context(|| format!("could not remove the previous demo lake {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_demo_window_holds_business_days_whatever_the_weekday_it_runs_on() {
        // 2026-12-07 is a Monday: run the demo on every day of that week and the next.
        for offset in 0..14 {
            let today = date("2026-12-07") + Days::new(offset);
            for days in [1, 2, 3, 7] {
                let (first, last) = demo_window(today, days, None);
                assert!(last < today, "{today}: only complete days");
                assert_eq!((last - first).num_days() + 1, i64::from(days));
                assert!(
                    !matches!(last.weekday(), Weekday::Sat | Weekday::Sun),
                    "{today} ({}), {days} days: ends on {last} ({})",
                    today.weekday(),
                    last.weekday()
                );
            }
        }
        // On a Sunday and on a Monday, one day is the Friday before.
        assert_eq!(
            demo_window(date("2026-12-06"), 1, None),
            (date("2026-12-04"), date("2026-12-04"))
        );
        assert_eq!(
            demo_window(date("2026-12-07"), 1, None),
            (date("2026-12-04"), date("2026-12-04"))
        );
        // On a Tuesday, yesterday.
        assert_eq!(
            demo_window(date("2026-12-08"), 1, None),
            (date("2026-12-07"), date("2026-12-07"))
        );
    }

    #[test]
    fn a_pinned_start_is_kept_as_given() {
        assert_eq!(
            demo_window(date("2026-12-07"), 3, Some(date("2026-11-28"))),
            (date("2026-11-28"), date("2026-11-30"))
        );
    }
}
