//! `roomsight models …`: train the anomaly model on a lake, judge incidents against labelled
//! faults, and score any `timestamp,value` series.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use roomsight_models::detector::{DetectorConfig, Parts};
use roomsight_models::eval::{Evaluation, JudgedIncident, evaluate, read_faults};
use roomsight_models::features::FeatureRange;
use roomsight_models::model::{Model, ModelConfig};
use roomsight_models::series::{read_series, score_series, write_scored};
use roomsight_pipeline::detect::{lake_dates, model_features};
use roomsight_pipeline::incidents::IncidentStore;
use roomsight_queries::{Catalog, CatalogOptions};

use crate::cli::LakeArgs;
use crate::cmd::lake::{open_existing, runtime};

/// Flags of `roomsight models`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: ModelsCommand,
}

/// The subcommands of `roomsight models`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ModelsCommand {
    /// Train the peripheral model on a lake (best a healthy fleet or a quiet period) and save it
    /// as JSON; its alarm threshold is set from the false-alarm budget.
    Train(TrainArgs),
    /// Precision, recall, F1, detection delay and lead time of the lake's incidents against
    /// labelled faults (`faults.csv`), per fault type.
    Eval(EvalArgs),
    /// Score one time series (`timestamp,value` CSV) with the anomaly detector:
    /// `timestamp,value,score,anomaly`.
    Score(ScoreArgs),
}

/// Flags of `roomsight models train`.
#[derive(Debug, clap::Args)]
pub(crate) struct TrainArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// Where to write the model (JSON).
    #[arg(long, env = "ROOMSIGHT_OUT", value_name = "FILE")]
    pub(crate) out: PathBuf,

    /// First UTC date to train on (default: the lake's first).
    #[arg(long, env = "ROOMSIGHT_FROM", value_name = "YYYY-MM-DD")]
    pub(crate) from: Option<NaiveDate>,

    /// Last UTC date to train on (default: the lake's last).
    #[arg(long, env = "ROOMSIGHT_TO", value_name = "YYYY-MM-DD")]
    pub(crate) to: Option<NaiveDate>,

    /// Model alarms allowed per 100 peripheral-days on the training lake.
    #[arg(
        long,
        env = "ROOMSIGHT_BUDGET",
        value_name = "N",
        default_value_t = 0.2
    )]
    pub(crate) budget: f64,

    /// The chosen threshold is multiplied by this (headroom for fleets other than the training one).
    #[arg(
        long,
        env = "ROOMSIGHT_THRESHOLD_MARGIN",
        value_name = "X",
        default_value_t = 1.5
    )]
    pub(crate) threshold_margin: f64,

    /// Gaussian mixture components.
    #[arg(
        long,
        env = "ROOMSIGHT_COMPONENTS",
        value_name = "K",
        default_value_t = 3
    )]
    pub(crate) components: usize,
}

/// Flags of `roomsight models eval`.
#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// The labelled faults: the simulator's `faults.csv`.
    #[arg(long, env = "ROOMSIGHT_FAULTS", value_name = "FILE")]
    pub(crate) faults: PathBuf,

    /// Print a table for people or one JSON document.
    #[arg(long, env = "ROOMSIGHT_FORMAT", value_enum, default_value_t = EvalFormat::Table)]
    pub(crate) format: EvalFormat,
}

/// How `models eval` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum EvalFormat {
    /// An aligned table.
    Table,
    /// JSON.
    Json,
}

/// Flags of `roomsight models score`.
#[derive(Debug, clap::Args)]
pub(crate) struct ScoreArgs {
    /// The series: CSV with a header `timestamp,value` (RFC 3339 times, or
    /// `YYYY-MM-DD HH:MM:SS` taken as UTC).
    #[arg(long, env = "ROOMSIGHT_INPUT", value_name = "FILE.csv")]
    pub(crate) input: PathBuf,

    /// Where to write `timestamp,value,score,anomaly` (default: stdout).
    #[arg(long, env = "ROOMSIGHT_OUTPUT", value_name = "FILE.csv")]
    pub(crate) output: Option<PathBuf>,

    /// Points of history the level and seasonal scales are taken over.
    #[arg(
        long,
        env = "ROOMSIGHT_HISTORY",
        value_name = "N",
        default_value_t = DetectorConfig::default().history
    )]
    pub(crate) history: usize,

    /// The score (0–1) at or above which a point is an anomaly (1: only saturated scores).
    #[arg(
        long,
        env = "ROOMSIGHT_THRESHOLD",
        value_name = "SCORE",
        default_value_t = DetectorConfig::default().threshold
    )]
    pub(crate) threshold: f64,

    /// The detector's parts, comma-separated: level, seasonal, change, discord, range (or all).
    #[arg(
        long,
        env = "ROOMSIGHT_PARTS",
        value_name = "LIST",
        default_value = "all"
    )]
    pub(crate) parts: String,

    /// Fraction of the series, from its start, that gets no score while the detector learns.
    #[arg(
        long,
        env = "ROOMSIGHT_PROBATION",
        value_name = "FRACTION",
        default_value_t = DetectorConfig::default().probation
    )]
    pub(crate) probation: f64,

    /// Points after a scored point during which only a higher score is reported.
    #[arg(
        long,
        env = "ROOMSIGHT_SUPPRESS",
        value_name = "N",
        default_value_t = DetectorConfig::default().suppress
    )]
    pub(crate) suppress: usize,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ModelsCommand::Train(a) => train(a),
        ModelsCommand::Eval(a) => eval(a),
        ModelsCommand::Score(a) => score(a),
    }
}

fn train(args: TrainArgs) -> anyhow::Result<ExitCode> {
    open_existing(&args.lake.lake)?;
    let cfg = ModelConfig {
        budget_per_100_days: args.budget,
        threshold_margin: args.threshold_margin,
        components: args.components.max(1),
        ..ModelConfig::default()
    };
    let model = runtime()?.block_on(async {
        let catalog = Catalog::open(&args.lake.lake, CatalogOptions::default())
            .await
            .context("while opening the lake's catalog")?;
        let Some(dates) = lake_dates(&catalog).await? else {
            anyhow::bail!("the lake holds no telemetry to train on: ingest a fleet first");
        };
        let range = FeatureRange {
            from: args.from.unwrap_or(dates.from),
            to: args.to.unwrap_or(dates.to),
            window_secs: cfg.window_secs,
        };
        // As detection sees them: without the windows inside update and maintenance windows.
        let series = model_features(&catalog, &range)
            .await
            .context("while computing the training features")?;
        tokio::task::spawn_blocking(move || Model::train(&series, &cfg))
            .await
            .context("the training task panicked (a bug)")?
            .context("while training the model")
    })?;
    model.save(&args.out)?;
    let t = &model.training;
    println!(
        "trained on {} windows ({:.0} peripheral-days, {} fitted); open threshold {:.2} \
         ({} training alarms at the budget's threshold, {:.1} allowed); saved to {}",
        t.windows,
        t.peripheral_days,
        t.fitted_rows,
        model.config.policy.open_threshold,
        t.alarms_at_threshold,
        t.alarms_allowed,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    open_existing(&args.lake.lake)?;
    let faults = read_faults(&args.faults)?;
    let (evaluation, days) = runtime()?.block_on(async {
        let store = IncidentStore::open(&args.lake.lake).context("while opening the incidents")?;
        let events = store
            .read()
            .await
            .context("while reading the incidents")?
            .events;
        // Per incident: the kind, subject and (latest) opening time, and the reason it opened with.
        let mut by_id: HashMap<String, (JudgedIncident, i64)> = HashMap::new();
        for e in &events {
            let reason = e
                .details
                .get("reason")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            let entry = by_id.entry(e.incident_id.clone()).or_insert_with(|| {
                (
                    JudgedIncident {
                        kind: e.kind.as_str().to_owned(),
                        device_id: e.device_id.clone(),
                        peripheral_id: e.peripheral_id.clone(),
                        opened_at: e.opened_at.timestamp_micros(),
                        reason: reason.clone(),
                    },
                    e.seq,
                )
            });
            if e.seq < entry.1 {
                entry.0.reason = reason;
                entry.1 = e.seq;
            }
            entry.0.opened_at = entry.0.opened_at.min(e.opened_at.timestamp_micros());
        }
        let mut incidents: Vec<JudgedIncident> = by_id.into_values().map(|v| v.0).collect();
        incidents.sort_by(|a, b| (a.opened_at, &a.device_id).cmp(&(b.opened_at, &b.device_id)));
        let catalog = Catalog::open(&args.lake.lake, CatalogOptions::default())
            .await
            .context("while opening the lake's catalog")?;
        let days = peripheral_days(&catalog).await?;
        anyhow::Ok((evaluate(&faults, &incidents), days))
    })?;
    match args.format {
        EvalFormat::Json => {
            let mut v = serde_json::to_value(&evaluation)?;
            v["peripheral_days"] = days.into();
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        EvalFormat::Table => print!("{}", table(&evaluation, days)),
    }
    Ok(ExitCode::SUCCESS)
}

/// Peripheral-days in the lake (a peripheral reporting on a date).
async fn peripheral_days(catalog: &Catalog) -> anyhow::Result<f64> {
    let df = catalog
        .query(
            "SELECT COUNT(*) AS n FROM (SELECT DISTINCT peripheral_id, date FROM peripheral_states)",
            &[],
        )
        .await?;
    let batches = df
        .collect()
        .await
        .context("while counting peripheral-days")?;
    let n = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .map(|b| roomsight_models::columns::ints(b, "peripheral_days", "n"))
        .transpose()?
        .and_then(|v| v.first().copied().flatten())
        .unwrap_or(0);
    Ok(n as f64)
}

fn fmt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.digits$}"))
}

/// The eval table.
fn table(e: &Evaluation, peripheral_days: f64) -> String {
    let mut s = format!(
        "{:<26} {:>6} {:>8} {:>6} {:>6} {:>9} {:>6} {:>6} {:>13} {:>13} {:>12} {:>10}\n",
        "fault_type",
        "faults",
        "detected",
        "true",
        "false",
        "precision",
        "recall",
        "f1",
        "delay_med_min",
        "delay_p90_min",
        "lead_med_min",
        "before_end"
    );
    for r in &e.types {
        s.push_str(&format!(
            "{:<26} {:>6} {:>8} {:>6} {:>6} {:>9} {:>6} {:>6} {:>13} {:>13} {:>12} {:>10}\n",
            r.fault_type,
            r.faults,
            r.detected,
            r.true_incidents,
            r.false_incidents,
            fmt(r.precision, 3),
            fmt(r.recall, 3),
            fmt(r.f1, 3),
            fmt(r.delay_median_min, 1),
            fmt(r.delay_p90_min, 1),
            fmt(r.lead_median_min, 1),
            fmt(r.before_end_share, 2),
        ));
    }
    let per100 = |n: usize| {
        if peripheral_days > 0.0 {
            format!("{:.3}", n as f64 * 100.0 / peripheral_days)
        } else {
            "-".to_owned()
        }
    };
    s.push_str(&format!(
        "false incidents: {} ({} per 100 peripheral-days); false model incidents: {} ({} per 100 \
         peripheral-days); peripheral-days: {peripheral_days:.0}\n",
        e.false_incidents,
        per100(e.false_incidents),
        e.false_model_incidents,
        per100(e.false_model_incidents),
    ));
    if !e.unjudged.is_empty() {
        let list: Vec<String> = e.unjudged.iter().map(|(k, n)| format!("{k} {n}")).collect();
        s.push_str(&format!(
            "not judged (no fault type): {}\n",
            list.join(", ")
        ));
    }
    s
}

fn score(args: ScoreArgs) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open {}: check --input", args.input.display()))?;
    let points = read_series(&args.input, std::io::BufReader::new(file))?;
    let parts = Parts::parse(&args.parts).map_err(|name| {
        anyhow::anyhow!(
            "unknown detector part `{name}` in --parts: use a comma-separated list of {} (or all)",
            Parts::NAMES.join(", ")
        )
    })?;
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.threshold),
        "--threshold {} is not a score: give a number from 0 to 1",
        args.threshold
    );
    anyhow::ensure!(
        (0.0..1.0).contains(&args.probation),
        "--probation {} is not a fraction of the series: give a number from 0 to below 1",
        args.probation
    );
    let cfg = DetectorConfig {
        history: args.history.max(2),
        threshold: args.threshold,
        parts,
        probation: args.probation,
        suppress: args.suppress,
        ..DetectorConfig::default()
    };
    let scored = score_series(&cfg, &points);
    match &args.output {
        Some(path) => {
            let f = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            write_scored(std::io::BufWriter::new(f), &scored)?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_scored(&mut lock, &scored)?;
            lock.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
