//! Robust scaling of window features against the peripheral's own history and its cohort.
//!
//! Each scored window becomes a vector of [`DIM`] oriented z-scores (higher is worse):
//! 1. **errors**: the window's error count against the peripheral's own typical rate (the
//!    median over days of errors per window, so a bad day does not move it), on the
//!    variance-stabilising Anscombe scale `2(√(e+3/8) − √(λ+3/8))`, which is ≈ N(0,1) for
//!    Poisson counts whatever the rate;
//! 2. and 3. **the kind's quality metrics** (camera: `fps`↓ `dropped_frames_pct`↑; microphone:
//!    `snr_db`↓ `noise_floor_db`↑; speaker: `distortion_pct`↑; display and HDMI ingest:
//!    `signal_errors`↑; touch console: `touch_latency_ms`↑): the window mean minus the
//!    peripheral's own median, divided by its own MAD, oriented so that worse is positive; then
//!    the median of the same residual over its cohort (`kind, make, model, firmware`) in the
//!    same window is subtracted when the cohort has at least `min_cohort` members, so a
//!    fleet-wide or site-wide event does not raise every member at once. The spread goes
//!    through the crate's one floor rule ([`crate::robust::SpreadFloor`]: the metric's own
//!    minimum, its resolution and its level), the same rule `models score` uses, so a metric
//!    pinned at one value cannot divide by zero.
//!
//! Unused slots are 0; every value is clipped to `±clip` so one absurd reading cannot dominate
//! the mixture. Windows without a connected report are not scored (NaN).

use std::collections::HashMap;

use roomsight_ingest::vocab::PeripheralKind;
use serde::{Deserialize, Serialize};

use crate::alarm::Micros;
use crate::features::{PeripheralSeries, Window};
use crate::robust::{RobustScale, SpreadFloor, median};

/// Length of a feature vector.
pub const DIM: usize = 3;

/// The feature names, in vector order (for model files and logs).
pub const FEATURE_NAMES: [&str; DIM] = ["errors", "metric_1", "metric_2"];

const DAY: Micros = 86_400_000_000;

/// How windows are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScaleConfig {
    /// Every z-score is clipped to `±clip`.
    pub clip: f64,
    /// Cohort members needed in a window before the cohort's median is subtracted.
    pub min_cohort: usize,
    /// The lowest typical error rate per window assumed (a peripheral with no errors at all).
    pub min_error_rate: f64,
}

impl Default for ScaleConfig {
    fn default() -> Self {
        ScaleConfig {
            clip: 12.0,
            min_cohort: 3,
            min_error_rate: 0.01,
        }
    }
}

/// The metric slots of a kind: index into [`crate::features::METRICS`], the direction that is
/// worse (+1 higher is worse, −1 lower is worse) and the smallest spread assumed in the metric's
/// unit (the `abs` term of the [`SpreadFloor`]; its resolution and level terms apply too).
pub fn metric_slots(kind: &str) -> &'static [(usize, f64, f64)] {
    match PeripheralKind::parse(kind) {
        Some(PeripheralKind::RoomCamera | PeripheralKind::ContentCamera) => {
            &[(0, -1.0, 0.05), (1, 1.0, 0.05)]
        }
        Some(PeripheralKind::Microphone) => &[(2, -1.0, 0.3), (3, 1.0, 0.3)],
        Some(PeripheralKind::Speaker | PeripheralKind::CommunicationSpeaker) => &[(4, 1.0, 0.05)],
        Some(PeripheralKind::Display | PeripheralKind::HdmiIngest) => &[(5, 1.0, 0.1)],
        Some(PeripheralKind::TouchConsole) => &[(6, 1.0, 1.0)],
        _ => &[],
    }
}

/// Whether the model judges peripherals of this kind (compute modules have no quality signal).
pub fn is_scored(kind: &str) -> bool {
    !metric_slots(kind).is_empty()
}

/// One series' scaled windows: `None` for windows that are not scored.
pub type ScaledSeries = Vec<Option<[f64; DIM]>>;

/// The peripheral's own reference: typical error rate and the robust scale of each slot.
struct Own {
    error_rate: f64,
    slots: Vec<Option<RobustScale>>,
}

fn own_reference(s: &PeripheralSeries, cfg: &ScaleConfig) -> Own {
    let connected: Vec<&Window> = s.windows.iter().filter(|w| w.connected > 0).collect();
    // Errors per connected window, day by day; the median day is the typical rate.
    let mut days: Vec<(Micros, f64, f64)> = Vec::new();
    for w in &connected {
        let d = w.start.div_euclid(DAY);
        match days.last_mut() {
            Some(last) if last.0 == d => {
                last.1 += f64::from(w.errors);
                last.2 += 1.0;
            }
            _ => days.push((d, f64::from(w.errors), 1.0)),
        }
    }
    let mut rates: Vec<f64> = days
        .iter()
        .filter(|d| d.2 >= 8.0)
        .map(|d| d.1 / d.2)
        .collect();
    let error_rate = median(&mut rates)
        .unwrap_or(cfg.min_error_rate)
        .max(cfg.min_error_rate);
    let slots = metric_slots(&s.kind)
        .iter()
        .map(|&(m, _, floor)| {
            let v: Vec<f64> = connected
                .iter()
                .map(|w| f64::from(w.metrics[m]))
                .filter(|x| x.is_finite())
                .collect();
            RobustScale::of(
                &v,
                &SpreadFloor {
                    abs: floor,
                    ..SpreadFloor::default()
                },
            )
        })
        .collect();
    Own { error_rate, slots }
}

/// Scales every window of every series (see the module doc).
pub fn scale(series: &[PeripheralSeries], cfg: &ScaleConfig) -> Vec<ScaledSeries> {
    // Pass 1: own-history residuals per slot.
    let mut raw: Vec<Vec<Option<[f64; DIM]>>> = Vec::with_capacity(series.len());
    for s in series {
        let own = own_reference(s, cfg);
        let slots = metric_slots(&s.kind);
        let lam = own.error_rate;
        raw.push(
            s.windows
                .iter()
                .map(|w| {
                    if w.connected == 0 || slots.is_empty() {
                        return None;
                    }
                    let e = f64::from(w.errors);
                    let mut z = [0.0; DIM];
                    z[0] = 2.0 * ((e + 0.375).sqrt() - (lam + 0.375).sqrt());
                    for (k, (&(m, sign, _), scale)) in slots.iter().zip(&own.slots).enumerate() {
                        let x = f64::from(w.metrics[m]);
                        z[k + 1] = match scale {
                            Some(sc) if x.is_finite() => sign * sc.z_sat(x),
                            _ => f64::NAN,
                        };
                    }
                    Some(z)
                })
                .collect(),
        );
    }
    // Pass 2: the cohort's median residual in the same window.
    let ids = cohort_ids(series);
    let mut cohorts: HashMap<(u32, Micros), Vec<[f64; DIM]>> = HashMap::new();
    for ((s, r), ids) in series.iter().zip(&raw).zip(&ids) {
        for (w, z) in s.windows.iter().zip(r) {
            if let Some(z) = z {
                cohorts
                    .entry((ids[usize::from(w.firmware)], w.start))
                    .or_default()
                    .push(*z);
            }
        }
    }
    let medians: HashMap<(u32, Micros), [f64; DIM]> = cohorts
        .into_iter()
        .filter(|(_, v)| v.len() >= cfg.min_cohort.max(1))
        .map(|(k, v)| {
            let mut m = [0.0; DIM];
            for (d, slot) in m.iter_mut().enumerate().skip(1) {
                let mut col: Vec<f64> = v.iter().map(|z| z[d]).collect();
                *slot = median(&mut col).unwrap_or(0.0);
            }
            (k, m)
        })
        .collect();
    series
        .iter()
        .zip(raw)
        .zip(&ids)
        .map(|((s, r), ids)| {
            s.windows
                .iter()
                .zip(r)
                .map(|(w, z)| {
                    let mut z = z?;
                    if let Some(m) = medians.get(&(ids[usize::from(w.firmware)], w.start)) {
                        for (zd, md) in z.iter_mut().zip(m).skip(1) {
                            *zd -= md;
                        }
                    }
                    for v in &mut z {
                        *v = if v.is_finite() {
                            v.clamp(-cfg.clip, cfg.clip)
                        } else {
                            0.0
                        };
                    }
                    Some(z)
                })
                .collect()
        })
        .collect()
}

/// A number per cohort (`kind, make, model, firmware`), per series and firmware index.
fn cohort_ids(series: &[PeripheralSeries]) -> Vec<Vec<u32>> {
    let mut known: HashMap<(&str, &str, &str, &str), u32> = HashMap::new();
    series
        .iter()
        .map(|s| {
            s.firmwares
                .iter()
                .map(|f| {
                    let n = known.len() as u32;
                    *known
                        .entry((
                            s.kind.as_str(),
                            s.make.as_str(),
                            s.model.as_str(),
                            f.as_str(),
                        ))
                        .or_insert(n)
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests;
