//! `roomsight detect`: runs the rules and the anomaly model over the lake and applies what they
//! saw to the incidents (open, update, resolve, reopen, close).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use roomsight_models::model::Model;
use roomsight_pipeline::detect::{
    DateRange, DetectConfig, RuleConfig, detect_and_apply, lake_dates,
};
use roomsight_pipeline::incidents::IncidentStore;
use roomsight_queries::{Catalog, CatalogOptions};

use crate::cli::LakeArgs;
use crate::cmd::lake::{open_existing, runtime};

/// Flags of `roomsight detect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// First UTC date to judge (default: the lake's first date). An incident last seen before
    /// the dates read (look-back included) is left as it is: no observation of it in the range
    /// is no evidence that its condition cleared.
    #[arg(long, env = "ROOMSIGHT_FROM", value_name = "YYYY-MM-DD")]
    pub(crate) from: Option<NaiveDate>,

    /// Last UTC date to judge, inclusive (default: the lake's last date).
    #[arg(long, env = "ROOMSIGHT_TO", value_name = "YYYY-MM-DD")]
    pub(crate) to: Option<NaiveDate>,

    /// A model trained with `roomsight models train` (default: the built-in model, trained on
    /// a simulated healthy fleet).
    #[arg(long, env = "ROOMSIGHT_MODEL", value_name = "FILE")]
    pub(crate) model: Option<PathBuf>,

    /// Days of history read before --from (the model's own-history baselines).
    #[arg(
        long,
        env = "ROOMSIGHT_LOOKBACK_DAYS",
        value_name = "DAYS",
        default_value_t = 7
    )]
    pub(crate) lookback_days: u32,

    /// `device_offline` after this many minutes without a heartbeat.
    #[arg(
        long,
        env = "ROOMSIGHT_OFFLINE_MINUTES",
        value_name = "MIN",
        default_value_t = 10
    )]
    pub(crate) offline_minutes: u32,

    /// `peripheral_disconnected` after this many minutes disconnected.
    #[arg(
        long,
        env = "ROOMSIGHT_DISCONNECTED_MINUTES",
        value_name = "MIN",
        default_value_t = 5
    )]
    pub(crate) disconnected_minutes: u32,

    /// `signed_out` after this many minutes signed out.
    #[arg(
        long,
        env = "ROOMSIGHT_SIGNED_OUT_MINUTES",
        value_name = "MIN",
        default_value_t = 10
    )]
    pub(crate) signed_out_minutes: u32,

    /// `update_failed` is critical from this many failed steps for one target and version.
    #[arg(
        long,
        env = "ROOMSIGHT_UPDATE_FAILURES_CRITICAL",
        value_name = "N",
        default_value_t = 2
    )]
    pub(crate) update_failures_critical: u32,

    /// `call_quality_degraded`: poor share (0–1) over the room's last 20 calls that is needed.
    #[arg(
        long,
        env = "ROOMSIGHT_POOR_CALL_SHARE",
        value_name = "SHARE",
        default_value_t = 0.25
    )]
    pub(crate) poor_call_share: f64,

    /// `call_quality_degraded`: how many times the room's and the site's 30-day share.
    #[arg(
        long,
        env = "ROOMSIGHT_POOR_CALL_RATIO",
        value_name = "X",
        default_value_t = 3.0
    )]
    pub(crate) poor_call_ratio: f64,

    /// Only print what was detected; do not change the incidents.
    #[arg(long, env = "ROOMSIGHT_DRY_RUN")]
    pub(crate) dry_run: bool,
}

/// The built-in model, or the one in `path`.
pub(crate) fn load_model(path: Option<&PathBuf>) -> anyhow::Result<Model> {
    match path {
        Some(p) => {
            Model::load(p).with_context(|| format!("while loading the model {}", p.display()))
        }
        None => Ok(Model::builtin()),
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let lake = open_existing(&args.lake.lake)?;
    let model = load_model(args.model.as_ref())?;
    let cfg = DetectConfig {
        rules: RuleConfig {
            offline_minutes: args.offline_minutes,
            disconnected_minutes: args.disconnected_minutes,
            signed_out_minutes: args.signed_out_minutes,
            update_failures_critical: args.update_failures_critical,
            poor_share: args.poor_call_share,
            poor_ratio: args.poor_call_ratio,
            ..RuleConfig::default()
        },
        lookback_days: args.lookback_days,
    };
    tracing::info!(lake = %lake.url(), ?cfg, "detecting");
    let started = Instant::now();
    runtime()?.block_on(async {
        let catalog = Catalog::open(&args.lake.lake, CatalogOptions::default())
            .await
            .context("while opening the lake's catalog")?;
        let range = match (args.from, args.to) {
            (Some(from), Some(to)) => DateRange { from, to },
            (from, to) => match lake_dates(&catalog).await? {
                Some(r) => DateRange {
                    from: from.unwrap_or(r.from),
                    to: to.unwrap_or(r.to),
                },
                None => {
                    println!("the lake holds no heartbeats yet: nothing to detect");
                    return Ok(ExitCode::SUCCESS);
                }
            },
        };
        if range.from > range.to {
            anyhow::bail!(
                "--from {} is after --to {}: swap them",
                range.from,
                range.to
            );
        }
        let (detection, events) = if args.dry_run {
            let d = roomsight_pipeline::detect::detect(&catalog, range, &model, &cfg).await?;
            (d, Vec::new())
        } else {
            let store = IncidentStore::open(&args.lake.lake)
                .context("while opening the lake's incident store")?;
            detect_and_apply(&catalog, &store, range, &model, &cfg).await?
        };
        let secs = started.elapsed().as_secs_f64();
        println!(
            "detected over {} … {} (event time up to {}) in {secs:.1} s; {} peripherals scored",
            range.from,
            range.to,
            detection
                .now
                .map_or_else(|| "-".to_owned(), |t| t.to_rfc3339()),
            detection.peripherals_scored
        );
        println!("{:<24} {:>10}", "condition", "intervals");
        for (kind, n) in &detection.by_kind {
            println!("{kind:<24} {n:>10}");
        }
        if args.dry_run {
            println!("dry run: incidents unchanged (maintenance and update windows not applied)");
        } else {
            let mut by_event: std::collections::BTreeMap<&str, usize> = Default::default();
            for e in &events {
                *by_event.entry(e.event.as_str()).or_default() += 1;
            }
            println!(
                "conditions held back by maintenance and update windows: {}",
                detection.held_by_windows
            );
            let list: Vec<String> = by_event.iter().map(|(k, n)| format!("{k} {n}")).collect();
            println!(
                "incident events written: {}{}",
                events.len(),
                if list.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", list.join(", "))
                }
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}
