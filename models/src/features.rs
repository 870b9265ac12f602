//! Per-peripheral window features, computed with DataFusion over `peripheral_states`.
//!
//! One row per peripheral and fixed window (15 minutes by default, aligned to the epoch): the
//! reports, the connected reports, the drop-outs, the errors logged (from the cumulative
//! `error_count`, resets handled) and the mean of every quality metric. The SQL is
//! `models/sql/window_features.sql`; this module runs it and folds the rows, which arrive sorted
//! by peripheral and time, into one compact series per peripheral.

use chrono::NaiveDate;
use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use datafusion::scalar::ScalarValue;
use futures::StreamExt;

use crate::alarm::Micros;
use crate::columns::{floats, ints, strings};
use crate::error::{Error, Result};

const QUERY: &str = "window_features";
const SQL: &str = include_str!("../sql/window_features.sql");

/// The quality metrics kept per window, in slot order.
pub const METRICS: [&str; 7] = [
    "fps",
    "dropped_frames_pct",
    "snr_db",
    "noise_floor_db",
    "distortion_pct",
    "signal_errors",
    "touch_latency_ms",
];

/// One window of one peripheral.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// The window's start.
    pub start: Micros,
    /// Index into the series' `firmwares`.
    pub firmware: u16,
    /// States reported.
    pub reports: u32,
    /// Of which while connected.
    pub connected: u32,
    /// Changes from connected to disconnected.
    pub disconnects: u32,
    /// Errors logged.
    pub errors: u32,
    /// Mean of each metric of [`METRICS`] (NaN when not reported).
    pub metrics: [f32; 7],
}

/// One peripheral's windows, sorted by time.
#[derive(Clone, Debug, PartialEq)]
pub struct PeripheralSeries {
    /// The peripheral.
    pub peripheral_id: String,
    /// Its room system.
    pub device_id: String,
    /// Its room.
    pub room_id: String,
    /// Its kind (`room_camera`, `microphone`, …).
    pub kind: String,
    /// Its make.
    pub make: String,
    /// Its model.
    pub model: String,
    /// The firmware versions it ran, in order of first appearance.
    pub firmwares: Vec<String>,
    /// Its windows.
    pub windows: Vec<Window>,
}

impl PeripheralSeries {
    /// The firmware of a window.
    pub fn firmware_of(&self, w: &Window) -> &str {
        &self.firmwares[usize::from(w.firmware)]
    }
}

/// Leaves out of `series` every window that overlaps one of `excused` (`[from, to)` periods in
/// which the peripheral is expected to drop out and misbehave: its own firmware being flashed,
/// its room system restarting for an update, planned maintenance). Those windows are no
/// evidence for any detector: their drop-outs are not counted as intermittent disconnects,
/// their readings are not scored and do not enter the peripheral's own baselines or its
/// cohort's. A window counts as overlapping when any part of it does (`window` is the window
/// length), so a re-enumeration just before the period's end cannot slip into the next window.
/// Returns how many windows were left out.
pub fn leave_out_excused(
    series: &mut PeripheralSeries,
    excused: &[(Micros, Micros)],
    window: Micros,
) -> usize {
    if excused.is_empty() {
        return 0;
    }
    let before = series.windows.len();
    series.windows.retain(|w| {
        !excused
            .iter()
            .any(|&(from, to)| w.start < to && w.start + window > from)
    });
    before - series.windows.len()
}

/// What to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureRange {
    /// First UTC date read.
    pub from: NaiveDate,
    /// Last UTC date read (inclusive).
    pub to: NaiveDate,
    /// The window length in seconds.
    pub window_secs: u32,
}

/// The SQL with the window length substituted (shown by tests and benchmarks).
pub fn window_features_sql(window_secs: u32) -> String {
    SQL.replace("{window_secs}", &window_secs.max(1).to_string())
}

/// A date as the `Date32` parameter value the lake's `date` column compares with.
pub fn date_param(d: NaiveDate) -> ScalarValue {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch is a valid date");
    ScalarValue::Date32(Some((d - epoch).num_days() as i32))
}

/// Runs the feature query over `ctx` (a session with the `peripheral_states` table).
pub async fn window_features(
    ctx: &SessionContext,
    range: &FeatureRange,
) -> Result<Vec<PeripheralSeries>> {
    let q = |source| Error::Query {
        query: QUERY,
        source,
    };
    let df = ctx
        .sql(&window_features_sql(range.window_secs))
        .await
        .map_err(q)?
        .with_param_values(vec![
            ("from_date".to_owned(), date_param(range.from)),
            ("to_date".to_owned(), date_param(range.to)),
        ])
        .map_err(q)?;
    let mut stream = df.execute_stream().await.map_err(q)?;
    let mut out: Vec<PeripheralSeries> = Vec::new();
    while let Some(batch) = stream.next().await {
        fold_batch(&batch.map_err(q)?, &mut out)?;
    }
    Ok(out)
}

/// Appends a batch of sorted rows to the series.
fn fold_batch(batch: &RecordBatch, out: &mut Vec<PeripheralSeries>) -> Result<()> {
    let text = |name| strings(batch, QUERY, name);
    let (pid, dev, room, kind, make, model, fw) = (
        text("peripheral_id")?,
        text("device_id")?,
        text("room_id")?,
        text("kind")?,
        text("make")?,
        text("model")?,
        text("firmware")?,
    );
    let num = |name| ints(batch, QUERY, name);
    let (start, reports, connected, disconnects, errors) = (
        num("window_start")?,
        num("reports")?,
        num("connected_reports")?,
        num("disconnects")?,
        num("errors")?,
    );
    let metrics: Vec<Vec<f64>> = METRICS
        .iter()
        .map(|m| floats(batch, QUERY, m))
        .collect::<Result<_>>()?;
    let count = |v: Option<i64>| v.unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
    for i in 0..batch.num_rows() {
        let id = pid[i].clone().unwrap_or_default();
        if out.last().is_none_or(|s| s.peripheral_id != id) {
            let owned = |v: &Option<String>| v.clone().unwrap_or_default();
            out.push(PeripheralSeries {
                peripheral_id: id,
                device_id: owned(&dev[i]),
                room_id: owned(&room[i]),
                kind: owned(&kind[i]),
                make: owned(&make[i]),
                model: owned(&model[i]),
                firmwares: Vec::new(),
                windows: Vec::new(),
            });
        }
        let s = out.last_mut().expect("a series was pushed above");
        let f = fw[i].as_deref().unwrap_or("");
        let firmware = match s.firmwares.iter().position(|x| x == f) {
            Some(k) => k,
            None => {
                s.firmwares.push(f.to_owned());
                s.firmwares.len() - 1
            }
        };
        let mut m = [f32::NAN; 7];
        for (slot, col) in m.iter_mut().zip(&metrics) {
            *slot = col[i] as f32;
        }
        s.windows.push(Window {
            start: start[i].unwrap_or(0),
            firmware: u16::try_from(firmware).unwrap_or(u16::MAX),
            reports: count(reports[i]),
            connected: count(connected[i]),
            disconnects: count(disconnects[i]),
            errors: count(errors[i]),
            metrics: m,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
