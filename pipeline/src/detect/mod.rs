//! Detection: the rules of docs/incidents.md and the anomaly model, over a range of the lake, as
//! condition intervals handed to the incident lifecycle.
//!
//! - [`config`]: the rules' thresholds (defaults as docs/incidents.md);
//! - the rules, each reading its inputs with SQL over the catalog (`roomsight_queries::sql::detect`):
//!   `availability` (`device_offline`, `peripheral_disconnected`, `signed_out`), `updates`
//!   (`update_failed`), `calls` (`call_quality_degraded`);
//! - `anomaly`: the model's alarms (`roomsight-models`) as `peripheral_degrading`.
//!
//! Detection works in event time: its "now" is the newest heartbeat it read (the watermark),
//! so running it again over the same lake gives the same observations, and the lifecycle
//! ([`crate::incidents::apply_observed`]) turns the same observations into no new events. It
//! resolves an incident only on evidence: detection read the time since the incident was last
//! seen and its condition did not hold; an incident last seen before the range read stays as it
//! is (`detect --from` a later date judges nothing about it).

mod anomaly;
mod availability;
mod calls;
pub mod config;
mod error;
mod intervals;
pub mod maintenance;
mod observe;
mod query;
mod updates;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use roomsight_models::columns::strings;
use roomsight_models::features::{FeatureRange, PeripheralSeries, window_features};
use roomsight_models::model::Model;
use roomsight_queries::Catalog;
use tracing::instrument;

pub use config::RuleConfig;
pub use error::{DetectError, Result};
pub use query::DateRange;

use crate::incidents::{IncidentEvent, IncidentStore, Observation, apply_observed};

/// How detection runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DetectConfig {
    /// The rules' thresholds.
    pub rules: RuleConfig,
    /// Days of history read before the range (the model's own-history baselines, runs that
    /// began earlier).
    pub lookback_days: u32,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            rules: RuleConfig::default(),
            lookback_days: 7,
        }
    }
}

/// What detection found.
#[derive(Debug, Default)]
pub struct Detection {
    /// Every condition interval, sorted by kind, subject and start.
    pub observations: Vec<Observation>,
    /// Detection's "now": the newest heartbeat read (event time); `None` for an empty range.
    pub now: Option<DateTime<Utc>>,
    /// The start of what detection read (midnight UTC of the first date, look-back included):
    /// incidents last seen before it are not judged clear for want of observations.
    pub observed_from: Option<DateTime<Utc>>,
    /// Conditions per kind.
    pub by_kind: BTreeMap<&'static str, usize>,
    /// Peripherals the model scored.
    pub peripherals_scored: usize,
    /// Conditions that opened nothing because they began and ended inside a maintenance or
    /// update window (counted by [`detect_and_apply`]; 0 from [`detect`] alone).
    pub held_by_windows: usize,
}

fn minus_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_days(Days::new(u64::from(n))).unwrap_or(d)
}

/// Runs every rule and the model over `range` (plus the look-back).
#[instrument(skip_all, fields(from = %range.from, to = %range.to))]
pub async fn detect(
    catalog: &Catalog,
    range: DateRange,
    model: &Model,
    cfg: &DetectConfig,
) -> Result<Detection> {
    let windows = maintenance::windows(catalog).await?;
    detect_with_windows(catalog, range, model, cfg, &windows).await
}

/// The model's window features over `range`, without the windows that maintenance and update
/// windows excuse ([`maintenance::leave_out_excused`]): what the model is trained and run on.
pub async fn model_features(
    catalog: &Catalog,
    range: &FeatureRange,
) -> Result<Vec<PeripheralSeries>> {
    let windows = maintenance::windows(catalog).await?;
    let mut series = window_features(catalog.context(), range).await?;
    maintenance::leave_out_excused(
        &mut series,
        &windows,
        i64::from(range.window_secs.max(1)) * 1_000_000,
    );
    Ok(series)
}

async fn detect_with_windows(
    catalog: &Catalog,
    range: DateRange,
    model: &Model,
    cfg: &DetectConfig,
    windows: &[maintenance::ActiveWindow],
) -> Result<Detection> {
    let read = DateRange {
        from: minus_days(range.from, cfg.lookback_days),
        to: range.to,
    };
    let hb = availability::heartbeats(catalog, read).await?;
    if hb.devices.is_empty() {
        return Ok(Detection::default());
    }
    let now = hb.watermark;
    let mut conditions = Vec::new();
    conditions.extend(availability::offline(catalog, read, &hb, &cfg.rules).await?);
    conditions.extend(availability::disconnected(catalog, read, &hb, &cfg.rules).await?);
    conditions.extend(availability::signed_out(catalog, read, &hb, &cfg.rules).await?);
    conditions.extend(updates::failed(catalog, read, &cfg.rules).await?);
    let calls = DateRange {
        from: minus_days(range.from, cfg.rules.baseline_days.max(cfg.lookback_days)),
        to: range.to,
    };
    conditions.extend(calls::degraded(catalog, calls, &cfg.rules).await?);

    let features = FeatureRange {
        from: read.from,
        to: read.to,
        window_secs: model.config.window_secs,
    };
    let mut series = window_features(catalog.context(), &features).await?;
    // Update-time drop-outs and readings are no evidence for the model's detectors.
    maintenance::leave_out_excused(&mut series, windows, model.config.window());
    let alarms = model.detect(&series);
    conditions.extend(anomaly::conditions(&series, alarms, now));

    conditions.retain(|c| c.interval.start <= now);
    conditions.sort_by(|a, b| {
        (a.kind, &a.subject, a.interval.start).cmp(&(b.kind, &b.subject, b.interval.start))
    });
    let mut by_kind = BTreeMap::new();
    for c in &conditions {
        *by_kind.entry(c.kind.as_str()).or_insert(0) += 1;
    }
    Ok(Detection {
        observations: conditions
            .into_iter()
            .map(observe::Condition::into_observation)
            .collect(),
        now: DateTime::from_timestamp_micros(now),
        observed_from: Some(read.from.and_time(chrono::NaiveTime::MIN).and_utc()),
        by_kind,
        peripherals_scored: series.len(),
        held_by_windows: 0,
    })
}

/// Each room's time zone from the room directory (`rooms`); UTC for rooms not in it.
pub async fn room_zones(catalog: &Catalog) -> Result<HashMap<String, Tz>> {
    let rule = "rooms";
    let batches = query::collect(catalog, rule, "SELECT room_id, timezone FROM rooms", &[]).await?;
    let mut out = HashMap::new();
    for b in &batches {
        let (room, tz) = (strings(b, rule, "room_id")?, strings(b, rule, "timezone")?);
        for (r, z) in room.into_iter().zip(tz) {
            if let (Some(r), Some(z)) = (r, z.and_then(|z| z.parse::<Tz>().ok())) {
                out.insert(r, z);
            }
        }
    }
    Ok(out)
}

/// Detects over `range`, holds back what maintenance and update windows silence
/// ([`maintenance::honour`]) and applies the rest to the incident store; returns what was
/// applied and the incident events written.
pub async fn detect_and_apply(
    catalog: &Catalog,
    store: &IncidentStore,
    range: DateRange,
    model: &Model,
    cfg: &DetectConfig,
) -> Result<(Detection, Vec<IncidentEvent>)> {
    let windows = maintenance::windows(catalog).await?;
    let mut detection = detect_with_windows(catalog, range, model, cfg, &windows).await?;
    let Some(now) = detection.now else {
        return Ok((detection, Vec::new()));
    };
    let zones = room_zones(catalog).await?;
    let zone = |room: &str| zones.get(room).copied().unwrap_or(chrono_tz::UTC);
    let recorded = crate::incidents::incidents(store).await?;
    let observed_from = detection.observed_from.unwrap_or(now);
    let (observations, held) = maintenance::honour(
        std::mem::take(&mut detection.observations),
        &windows,
        &recorded,
    );
    detection.held_by_windows = held;
    let events = apply_observed(store, observations.clone(), &zone, now, observed_from).await?;
    detection.observations = observations;
    Ok((detection, events))
}

/// The first and last dates the lake has heartbeats for; `None` when it has none.
pub async fn lake_dates(catalog: &Catalog) -> Result<Option<DateRange>> {
    let rule = "lake_dates";
    let batches = query::collect(
        catalog,
        rule,
        "SELECT CAST(MIN(date) AS VARCHAR) AS first, CAST(MAX(date) AS VARCHAR) AS last \
         FROM heartbeats",
        &[],
    )
    .await?;
    let Some(b) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(None);
    };
    let (first, last) = (strings(b, rule, "first")?, strings(b, rule, "last")?);
    let parse = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<NaiveDate>().ok());
    Ok(match (parse(&first[0]), parse(&last[0])) {
        (Some(from), Some(to)) => Some(DateRange { from, to }),
        _ => None,
    })
}
