//! Firmware regressions: the new firmware's cohort compared with the previous firmware.
//!
//! A bad release makes every peripheral that takes it worse at once, so per-window judging
//! against the cohort (`kind, make, model, firmware`) cannot see it: the cohort *is* the
//! regressed group. Instead, each firmware change of a peripheral is judged as a step: the
//! robust change of each quality metric (and the error rate) between the `before` period on the
//! old firmware and the `after` period on the new one, in units of the peripheral's own spread,
//! oriented so worse is positive. The steps of every peripheral that took the same release
//! (`make, model` and the new firmware, whatever the kind and the firmware it came from) form
//! the release's cohort: a firmware is built for a product, and the camera, microphone and
//! speaker of one video bar take it together, so a release that hurts the camera a lot and the
//! microphone a little is judged as one. Once the cohort's median step reaches `threshold`,
//! every member still on the new firmware is alarmed (one alarm per peripheral, each needing
//! its own ticket) until it leaves that firmware (a rollback).
//!
//! One peripheral's step is not a verdict on a release: an update's reconnect and a quiet
//! night can move one peripheral by a few spreads. So the median needs at least
//! [`MIN_MEMBERS`] steps, unless the one step is beyond twice the threshold.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::alarm::{Alarm, Micros};
use crate::features::{PeripheralSeries, Window};
use crate::robust::{MAD_TO_SIGMA, median, median_of};
use crate::scaling::metric_slots;

const HOUR: Micros = 3_600_000_000;

/// Steps needed before the cohort's median is a verdict (see the module doc).
pub const MIN_MEMBERS: usize = 2;
/// A lone step this many times the threshold is a verdict by itself.
const LONE_STEP_FACTOR: f64 = 2.0;

/// The detector's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirmwareConfig {
    /// Old-firmware period before the change.
    pub before: Micros,
    /// New-firmware period after the change that is judged.
    pub after: Micros,
    /// Connected windows needed in the `after` period.
    pub min_after_windows: usize,
    /// The cohort's median step (in spreads) that means a regression.
    pub threshold: f64,
}

impl Default for FirmwareConfig {
    fn default() -> Self {
        FirmwareConfig {
            before: 24 * HOUR,
            after: 2 * HOUR,
            min_after_windows: 4,
            threshold: 6.0,
        }
    }
}

/// A regression alarm for one peripheral.
#[derive(Clone, Debug, PartialEq)]
pub struct FirmwareAlarm {
    /// Index of the peripheral in the scored series.
    pub series: usize,
    /// The alarm.
    pub alarm: Alarm,
    /// The previous firmware.
    pub from: String,
    /// The regressed firmware.
    pub to: String,
    /// This peripheral's own step.
    pub step: f64,
    /// The cohort's median step when it was judged regressed.
    pub cohort_step: f64,
    /// Peripherals in the cohort at that time.
    pub cohort_size: usize,
}

/// One firmware change of one peripheral.
struct Change {
    series: usize,
    /// The firmware it came from.
    from: String,
    /// When the step is known (end of the `after` period).
    known: Micros,
    /// When the peripheral left the new firmware, if it did.
    left: Option<Micros>,
    step: f64,
}

/// Finds regressions in `series` (windows of length `window`).
pub fn regressions(
    series: &[PeripheralSeries],
    window: Micros,
    cfg: &FirmwareConfig,
) -> Vec<FirmwareAlarm> {
    let mut groups: BTreeMap<(String, String, String), Vec<Change>> = BTreeMap::new();
    for (si, s) in series.iter().enumerate() {
        if metric_slots(&s.kind).is_empty() {
            continue;
        }
        for i in 1..s.windows.len() {
            let (prev, cur) = (&s.windows[i - 1], &s.windows[i]);
            if prev.firmware == cur.firmware {
                continue;
            }
            let Some(delta) = step(s, i, window, cfg) else {
                continue;
            };
            let left = s.windows[i..]
                .iter()
                .find(|w| w.firmware != cur.firmware)
                .map(|w| w.start);
            let key = (
                s.make.clone(),
                s.model.clone(),
                s.firmware_of(cur).to_owned(),
            );
            groups.entry(key).or_default().push(Change {
                series: si,
                from: s.firmware_of(prev).to_owned(),
                known: cur.start + cfg.after,
                left,
                step: delta,
            });
        }
    }
    let mut out = Vec::new();
    for ((_, _, to), mut changes) in groups {
        changes.sort_by_key(|c| (c.known, c.series));
        // The first moment the cohort's median step, over the steps known by then, is high.
        let mut verdict = None;
        for k in 0..changes.len() {
            let steps: Vec<f64> = changes[..=k].iter().map(|c| c.step).collect();
            let m = median_of(&steps).unwrap_or(0.0);
            let enough = k + 1 >= MIN_MEMBERS || m >= LONE_STEP_FACTOR * cfg.threshold;
            if m >= cfg.threshold && enough {
                verdict = Some((changes[k].known, m, k + 1));
                break;
            }
        }
        let Some((when, cohort_step, cohort_size)) = verdict else {
            continue;
        };
        for c in &changes {
            let start = c.known.max(when);
            if c.left.is_some_and(|l| l <= start) {
                continue;
            }
            out.push(FirmwareAlarm {
                series: c.series,
                alarm: Alarm {
                    start,
                    end: c.left,
                    peak: c.step,
                },
                from: c.from.clone(),
                to: to.clone(),
                step: c.step,
                cohort_step,
                cohort_size,
            });
        }
    }
    out.sort_by_key(|a| (a.series, a.alarm.start));
    out
}

/// The worst oriented step of a peripheral's change at window `i`, or `None` without enough
/// data on either side.
fn step(s: &PeripheralSeries, i: usize, window: Micros, cfg: &FirmwareConfig) -> Option<f64> {
    let t = s.windows[i].start;
    let (old, new) = (s.windows[i - 1].firmware, s.windows[i].firmware);
    let before: Vec<&Window> = s.windows[..i]
        .iter()
        .filter(|w| w.start >= t - cfg.before && w.firmware == old && w.connected > 0)
        .collect();
    // Skip the change's own window (the reconnect) and judge the rest of the period.
    let after: Vec<&Window> = s.windows[i..]
        .iter()
        .take_while(|w| w.start < t + cfg.after && w.firmware == new)
        .filter(|w| w.start >= t + window && w.connected > 0)
        .collect();
    if before.len() < 8 || after.len() < cfg.min_after_windows {
        return None;
    }
    let mut worst = f64::NEG_INFINITY;
    for &(m, sign, floor) in metric_slots(&s.kind) {
        let b: Vec<f64> = before.iter().map(|w| f64::from(w.metrics[m])).collect();
        let a: Vec<f64> = after.iter().map(|w| f64::from(w.metrics[m])).collect();
        let (Some(mb), Some(ma)) = (median_of(&b), median_of(&a)) else {
            continue;
        };
        let mut dev: Vec<f64> = b
            .iter()
            .filter(|x| x.is_finite())
            .map(|x| (x - mb).abs())
            .collect();
        let spread = (median(&mut dev).unwrap_or(0.0) * MAD_TO_SIGMA).max(floor);
        worst = worst.max(sign * (ma - mb) / spread);
    }
    // Errors: the after period's count against the before period's rate (Poisson z).
    let rate = before.iter().map(|w| f64::from(w.errors)).sum::<f64>() / before.len() as f64;
    let expected = after.len() as f64 * rate.max(0.01);
    let seen: f64 = after.iter().map(|w| f64::from(w.errors)).sum();
    worst = worst.max((seen - expected) / (expected + 1.0).sqrt());
    worst.is_finite().then_some(worst)
}

#[cfg(test)]
mod tests;
