//! The trained model: what is saved, how it is trained, and how it turns window features into
//! alarms.
//!
//! # Method, and why
//! linfa 0.8 has no outlier detector, so the model is a **density model of healthy windows**:
//! each window is scaled to [`DIM`](crate::scaling::DIM) robust, oriented z-scores against the
//! peripheral's own history and its cohort in the same window ([`crate::scaling`]), and a
//! [`GaussianMixture`](linfa_clustering::GaussianMixtureModel) (full covariances, a few
//! components) is fitted to a sample of those vectors. A window's score is its negative
//! log-likelihood under the mixture ([`crate::mixture`]). We chose the mixture over the
//! alternatives linfa offers because (a) the healthy z-vectors are not one round blob (meeting
//! hours, peripherals with no errors at all, the odd burst), which a few components capture and
//! one-class SVM would need O(n²) training to learn; (b) the likelihood grows smoothly with
//! distance and with *combinations* of mild deviations (a little more errors *and* a little lower
//! frame rate), which KMeans centroid distance treats as isotropic; and (c) it is a handful of
//! numbers, so a saved model scores as the trained one did (to a float's last bit). Scaling
//! does the heavy lifting: because every feature is already relative to the peripheral and its
//! cohort, one model serves every kind.
//!
//! The mixture is fitted to the *core* of the healthy windows (every feature within ±6): the
//! odd spike window would otherwise earn a wide component of its own, under which a failing
//! peripheral's windows look ordinary.
//!
//! Raw window scores are noise; alarms come from the [`crate::alarm`] policy (smoothing, minimum
//! windows over, lower clear threshold, cooldown). The open threshold is not tuned for F1: it is
//! the lowest one that keeps the training lake's alarms within the false-alarm budget
//! (`budget_per_100_days` model alarms per 100 peripheral-days), so train on a healthy fleet
//! (`roomsight simulate --fault-rate 0`, or a period known to be quiet).
//!
//! Two detectors complete the model: [`crate::firmware`] (a new firmware's cohort against the
//! previous firmware) and [`crate::intermittent`] (repeated drop-outs in a day).

use std::path::Path;

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::alarm::{Alarm, AlarmPolicy, Micros, Scored, alarms};
use crate::error::{Error, Result};
use crate::features::PeripheralSeries;
use crate::firmware::{FirmwareConfig, regressions};
use crate::intermittent::{IntermittentConfig, intermittent_alarms};
use crate::mixture::Mixture;
use crate::scaling::{DIM, FEATURE_NAMES, ScaleConfig, scale};

const FORMAT: &str = "roomsight-peripheral-model";
const VERSION: u32 = 1;
const DAY: f64 = 86_400_000_000.0;
/// Training windows with any scaled feature this far out are not fitted (see [`Model::train`]).
const CORE_Z: f64 = 6.0;

/// Everything that shapes training and scoring.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Window length in seconds.
    pub window_secs: u32,
    /// Mixture components.
    pub components: usize,
    /// At most this many windows (an even sample) are used to fit the mixture.
    pub max_train_rows: usize,
    /// Model alarms allowed per 100 peripheral-days on the training lake.
    pub budget_per_100_days: f64,
    /// The open threshold is multiplied by this after it is chosen (≥ 1 leaves headroom).
    pub threshold_margin: f64,
    /// Feature scaling.
    pub scale: ScaleConfig,
    /// The alarm policy (its thresholds are set by training).
    pub policy: AlarmPolicy,
    /// The intermittent-disconnect rule.
    pub intermittent: IntermittentConfig,
    /// The firmware-regression detector.
    pub firmware: FirmwareConfig,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            window_secs: 900,
            components: 3,
            max_train_rows: 50_000,
            budget_per_100_days: 0.2,
            threshold_margin: 1.5,
            scale: ScaleConfig::default(),
            policy: AlarmPolicy::default(),
            intermittent: IntermittentConfig::default(),
            firmware: FirmwareConfig::default(),
        }
    }
}

impl ModelConfig {
    /// The window length in microseconds.
    pub fn window(&self) -> Micros {
        i64::from(self.window_secs) * 1_000_000
    }
}

/// What training saw and chose.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Scored windows.
    pub windows: usize,
    /// Of which used to fit the mixture.
    pub fitted_rows: usize,
    /// Peripheral-days scored.
    pub peripheral_days: f64,
    /// Alarms on the training lake at the chosen threshold (before the margin).
    pub alarms_at_threshold: usize,
    /// Alarms the budget allowed.
    pub alarms_allowed: f64,
}

/// A trained model, as saved to a JSON file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Always `roomsight-peripheral-model`.
    pub format: String,
    /// The file format version.
    pub version: u32,
    /// The feature names, in vector order.
    pub features: Vec<String>,
    /// The configuration it was trained with; the policy's thresholds are the chosen ones.
    pub config: ModelConfig,
    /// The density model.
    pub mixture: Mixture,
    /// Subtracted from the negative log-likelihood so the median training window scores 0.
    pub score_offset: f64,
    /// What training saw.
    pub training: TrainingSummary,
}

/// Why a peripheral is alarmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The window scores stayed high: drifting metrics or rising errors.
    Degrading,
    /// Repeated drop-outs within a day.
    IntermittentDisconnects,
    /// Its firmware cohort regressed since the update.
    FirmwareRegression,
}

impl Reason {
    /// The name used in incident details.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Degrading => "degrading",
            Reason::IntermittentDisconnects => "intermittent_disconnects",
            Reason::FirmwareRegression => "firmware_regression",
        }
    }
}

/// One alarm of the model for one peripheral.
#[derive(Clone, Debug, PartialEq)]
pub struct PeripheralAlarm {
    /// Index of the peripheral in the scored series.
    pub series: usize,
    /// Which detector raised it.
    pub reason: Reason,
    /// When it was raised and cleared.
    pub alarm: Alarm,
    /// Evidence for the incident's details (a JSON object).
    pub details: serde_json::Value,
}

/// Each series' window scores: window ends and negative log-likelihoods minus `offset`.
fn window_scores(
    mixture: &Mixture,
    offset: f64,
    series: &[PeripheralSeries],
    cfg: &ModelConfig,
) -> Vec<Vec<Scored>> {
    let window = cfg.window();
    scale(series, &cfg.scale)
        .into_iter()
        .zip(series)
        .map(|(z, s)| {
            s.windows
                .iter()
                .zip(z)
                .filter_map(|(w, z)| {
                    z.map(|z| Scored {
                        at: w.start + window,
                        score: mixture.score(&z) - offset,
                    })
                })
                .collect()
        })
        .collect()
}

impl Model {
    /// Trains on `series` (see the module doc for the method and the threshold).
    pub fn train(series: &[PeripheralSeries], cfg: &ModelConfig) -> Result<Model> {
        let scaled = scale(series, &cfg.scale);
        let rows: Vec<[f64; DIM]> = scaled.iter().flatten().flatten().copied().collect();
        let needed = cfg.components.max(1) * 20;
        if rows.len() < needed {
            return Err(Error::TooLittleData {
                what: "the peripheral model",
                rows: rows.len(),
                needed,
            });
        }
        // The mixture models the core of healthy behaviour: windows with a feature beyond
        // `CORE_Z` (a camera's one-window dip, a touch console's latency spike, an error burst)
        // are left out of the fit, or a wide component learns them and then finds a drifting
        // peripheral's windows, clipped at the same values, likely. They stay in the threshold
        // choice below, where the alarm policy's smoothing must absorb them within the budget.
        let core: Vec<&[f64; DIM]> = rows
            .iter()
            .filter(|z| z.iter().all(|v| v.abs() < CORE_Z))
            .collect();
        if core.len() < needed {
            return Err(Error::TooLittleData {
                what: "the peripheral model (windows within the core of healthy behaviour)",
                rows: core.len(),
                needed,
            });
        }
        let stride = core.len().div_ceil(cfg.max_train_rows.max(needed));
        let sample: Vec<f64> = core
            .iter()
            .step_by(stride)
            .copied()
            .flatten()
            .copied()
            .collect();
        let n = sample.len() / DIM;
        let x = Array2::from_shape_vec((n, DIM), sample).expect("rows are DIM long");
        let mixture = Mixture::fit(&x, cfg.components)?;

        let raw = window_scores(&mixture, 0.0, series, cfg);
        let mut all: Vec<f64> = raw.iter().flatten().map(|s| s.score).collect();
        all.sort_unstable_by(f64::total_cmp);
        let q = |p: f64| all[((p * all.len() as f64) as usize).min(all.len() - 1)];
        let offset = q(0.5);
        let scores: Vec<Vec<Scored>> = raw
            .into_iter()
            .map(|v| {
                v.into_iter()
                    .map(|s| Scored {
                        score: s.score - offset,
                        ..s
                    })
                    .collect()
            })
            .collect();
        let peripheral_days = rows.len() as f64 * cfg.window() as f64 / DAY;
        let allowed = cfg.budget_per_100_days * peripheral_days / 100.0;
        // Candidates: the 99th to the 100th percentile in 0.01 % steps, then beyond the maximum.
        let top = q(1.0) - offset;
        let mut candidates: Vec<f64> = (0..=100)
            .map(|k| q(0.99 + f64::from(k) * 0.0001) - offset)
            .chain((1..=20).map(|k| top * (1.0 + 0.1 * f64::from(k))))
            .filter(|t| *t > 0.0)
            .collect();
        candidates.dedup();
        // The first candidate within the budget (or, failing all, the highest one).
        let mut chosen = (top.max(1.0), usize::MAX);
        for &t in &candidates {
            let policy = cfg.policy.with_threshold(t);
            let count: usize = scores.iter().map(|s| alarms(&policy, s).len()).sum();
            chosen = (t, count);
            if count as f64 <= allowed {
                break;
            }
        }
        let (threshold, alarms_at_threshold) = chosen;
        let mut config = *cfg;
        config.policy = cfg
            .policy
            .with_threshold(threshold * cfg.threshold_margin.max(0.0));
        Ok(Model {
            format: FORMAT.to_owned(),
            version: VERSION,
            features: FEATURE_NAMES.iter().map(|s| (*s).to_owned()).collect(),
            config,
            mixture,
            score_offset: offset,
            training: TrainingSummary {
                windows: rows.len(),
                fitted_rows: n,
                peripheral_days,
                alarms_at_threshold,
                alarms_allowed: allowed,
            },
        })
    }

    /// Every alarm of every detector over `series`, sorted by peripheral and time.
    pub fn detect(&self, series: &[PeripheralSeries]) -> Vec<PeripheralAlarm> {
        let cfg = &self.config;
        let window = cfg.window();
        let mut out = Vec::new();
        let scores = window_scores(&self.mixture, self.score_offset, series, cfg);
        for (i, scores) in scores.iter().enumerate() {
            for a in alarms(&cfg.policy, scores) {
                out.push(PeripheralAlarm {
                    series: i,
                    reason: Reason::Degrading,
                    alarm: a,
                    details: json!({
                        "reason": Reason::Degrading.as_str(),
                        "peak_score": round3(a.peak),
                        "threshold": round3(cfg.policy.open_threshold),
                        "window_minutes": cfg.window_secs / 60,
                    }),
                });
            }
        }
        for (i, s) in series.iter().enumerate() {
            for a in intermittent_alarms(s, window, &cfg.intermittent) {
                out.push(PeripheralAlarm {
                    series: i,
                    reason: Reason::IntermittentDisconnects,
                    alarm: a,
                    details: json!({
                        "reason": Reason::IntermittentDisconnects.as_str(),
                        "disconnects_in_period": a.peak,
                        "period_hours": cfg.intermittent.within / 3_600_000_000,
                    }),
                });
            }
        }
        for f in regressions(series, window, &cfg.firmware) {
            out.push(PeripheralAlarm {
                series: f.series,
                reason: Reason::FirmwareRegression,
                alarm: f.alarm,
                details: json!({
                    "reason": Reason::FirmwareRegression.as_str(),
                    "cohort_regressed": format!(
                        "the cohort on firmware {} regressed since the update from {}", f.to, f.from
                    ),
                    "from_firmware": f.from,
                    "to_firmware": f.to,
                    "step": round3(f.step),
                    "cohort_step": round3(f.cohort_step),
                    "cohort_size": f.cohort_size,
                }),
            });
        }
        out.sort_by_key(|a| (a.series, a.alarm.start));
        out
    }

    /// Saves the model as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("a model always serializes");
        std::fs::write(path, text).map_err(|source| Error::WriteModel {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Loads a model saved by [`Model::save`].
    pub fn load(path: &Path) -> Result<Model> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadModel {
            path: path.to_path_buf(),
            source,
        })?;
        Model::from_json(&text).map_err(|source| Error::ParseModel {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The model built into the binary, trained on a healthy simulated fleet (50 rooms × 14
    /// days, seed 100; `scripts/train-builtin-model` regenerates it). Its features are relative
    /// to each peripheral's own history and cohort, so it serves any estate as a start; train
    /// on a quiet period of your own lake for thresholds fitted to it.
    pub fn builtin() -> Model {
        Model::from_json(include_str!("../builtin/model.json"))
            .expect("models/builtin/model.json is a valid model (checked by a unit test)")
    }

    /// Parses a model from its JSON text.
    pub fn from_json(text: &str) -> std::result::Result<Model, serde_json::Error> {
        let m: Model = serde_json::from_str(text)?;
        if m.format != FORMAT || m.version != VERSION {
            return Err(serde::de::Error::custom(format!(
                "format {} version {}, expected {FORMAT} version {VERSION}",
                m.format, m.version
            )));
        }
        Ok(m)
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests;
