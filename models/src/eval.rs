//! Judging detection against labelled faults, by events (docs/incidents.md, "Judging detection").
//!
//! An incident matches a fault when it concerns the fault's peripheral (for `device_offline` and
//! `estate_outage`, its device) and opens between 10 minutes before the fault starts and 60 minutes after it
//! ends. A fault counts once, detected or not (no point adjustment). Every judged incident is
//! either true (it matches some fault; it is counted for that fault's type) or false (counted
//! against the fault type its kind claims: `device_offline` → device_offline,
//! `peripheral_disconnected` → sudden_failure, `peripheral_degrading` → by the reason in its
//! details). Incidents of the other kinds (sign-in, updates, call quality) are not faults of the
//! simulator and are only counted.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::alarm::Micros;
use crate::error::{Error, Result};

const MIN: Micros = 60_000_000;

/// Fault types of the simulator's `faults.csv`, in report order.
pub const FAULT_TYPES: [&str; 6] = [
    "gradual_degradation",
    "intermittent_disconnects",
    "post_update_regression",
    "sudden_failure",
    "device_offline",
    "estate_outage",
];

/// One labelled fault (a row of `faults.csv`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelledFault {
    /// The peripheral; `None` for `device_offline` and `estate_outage`.
    pub peripheral_id: Option<String>,
    /// The room system.
    pub device_id: String,
    /// The fault type.
    pub fault_type: String,
    /// When it began.
    pub start: Micros,
    /// When it ended (for gradual degradation: the failure).
    pub end: Micros,
}

/// One incident as the judge sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JudgedIncident {
    /// The incident kind.
    pub kind: String,
    /// Its room system.
    pub device_id: String,
    /// Its peripheral, if any.
    pub peripheral_id: Option<String>,
    /// When it opened.
    pub opened_at: Micros,
    /// The `reason` in its details, for `peripheral_degrading`.
    pub reason: Option<String>,
}

impl JudgedIncident {
    /// The fault type this incident claims, or `None` for kinds that are not judged.
    pub fn claimed_type(&self) -> Option<&'static str> {
        match self.kind.as_str() {
            "device_offline" => Some("device_offline"),
            "peripheral_disconnected" => Some("sudden_failure"),
            "peripheral_degrading" => Some(match self.reason.as_deref() {
                Some("intermittent_disconnects") => "intermittent_disconnects",
                Some("firmware_regression") => "post_update_regression",
                _ => "gradual_degradation",
            }),
            _ => None,
        }
    }

    fn matches(&self, f: &LabelledFault) -> bool {
        let same = match &f.peripheral_id {
            Some(p) => self.peripheral_id.as_deref() == Some(p.as_str()),
            None => self.peripheral_id.is_none() && self.device_id == f.device_id,
        };
        same && self.opened_at >= f.start - 10 * MIN && self.opened_at <= f.end + 60 * MIN
    }
}

/// The scores of one fault type.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TypeScore {
    /// The fault type.
    pub fault_type: String,
    /// Labelled faults of this type.
    pub faults: usize,
    /// Of which detected.
    pub detected: usize,
    /// Incidents that matched a fault of this type.
    pub true_incidents: usize,
    /// Incidents claiming this type that matched no fault.
    pub false_incidents: usize,
    /// `true / (true + false)`; `None` with no incidents.
    pub precision: Option<f64>,
    /// `detected / faults`; `None` with no faults.
    pub recall: Option<f64>,
    /// Harmonic mean of the two.
    pub f1: Option<f64>,
    /// Median minutes from fault start to the first matching incident.
    pub delay_median_min: Option<f64>,
    /// 90th percentile of the same.
    pub delay_p90_min: Option<f64>,
    /// Median minutes from the first matching incident to the fault's end (the failure), for
    /// gradual degradation: positive means before the failure.
    pub lead_median_min: Option<f64>,
    /// Share of detected faults detected before they ended.
    pub before_end_share: Option<f64>,
}

/// The whole judgement.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evaluation {
    /// One row per fault type, in [`FAULT_TYPES`] order.
    pub types: Vec<TypeScore>,
    /// Judged incidents that matched no fault.
    pub false_incidents: usize,
    /// False `peripheral_degrading` (model) incidents.
    pub false_model_incidents: usize,
    /// Incidents of kinds that are not judged, by kind.
    pub unjudged: BTreeMap<String, usize>,
}

/// Judges `incidents` against `faults`.
pub fn evaluate(faults: &[LabelledFault], incidents: &[JudgedIncident]) -> Evaluation {
    let mut first: Vec<Option<Micros>> = vec![None; faults.len()];
    let mut true_by: BTreeMap<&str, usize> = BTreeMap::new();
    let mut false_by: BTreeMap<&str, usize> = BTreeMap::new();
    let mut eval = Evaluation::default();
    for inc in incidents {
        let Some(claim) = inc.claimed_type() else {
            *eval.unjudged.entry(inc.kind.clone()).or_default() += 1;
            continue;
        };
        let matched: Vec<usize> = (0..faults.len())
            .filter(|&i| inc.matches(&faults[i]))
            .collect();
        for &i in &matched {
            first[i] = Some(first[i].map_or(inc.opened_at, |t| t.min(inc.opened_at)));
        }
        match matched
            .iter()
            .find(|&&i| faults[i].fault_type == claim)
            .or(matched.first())
        {
            Some(&i) => *true_by.entry(faults[i].fault_type.as_str()).or_default() += 1,
            None => {
                *false_by.entry(claim).or_default() += 1;
                eval.false_incidents += 1;
                if inc.kind == "peripheral_degrading" {
                    eval.false_model_incidents += 1;
                }
            }
        }
    }
    for t in FAULT_TYPES {
        let idx: Vec<usize> = (0..faults.len())
            .filter(|&i| faults[i].fault_type == t)
            .collect();
        let mut delays = Vec::new();
        let mut leads = Vec::new();
        for &i in &idx {
            if let Some(at) = first[i] {
                delays.push((at - faults[i].start) as f64 / MIN as f64);
                leads.push((faults[i].end - at) as f64 / MIN as f64);
            }
        }
        let tp = true_by.get(t).copied().unwrap_or(0);
        let fp = false_by.get(t).copied().unwrap_or(0);
        let precision = (tp + fp > 0).then(|| tp as f64 / (tp + fp) as f64);
        let recall = (!idx.is_empty()).then(|| delays.len() as f64 / idx.len() as f64);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        let before = leads.iter().filter(|&&l| l > 0.0).count();
        eval.types.push(TypeScore {
            fault_type: t.to_owned(),
            faults: idx.len(),
            detected: delays.len(),
            true_incidents: tp,
            false_incidents: fp,
            precision,
            recall,
            f1,
            delay_median_min: quantile(&delays, 0.5),
            delay_p90_min: quantile(&delays, 0.9),
            lead_median_min: if t == "gradual_degradation" {
                quantile(&leads, 0.5)
            } else {
                None
            },
            before_end_share: (!leads.is_empty()).then(|| before as f64 / leads.len() as f64),
        });
    }
    eval
}

/// The `q` quantile by the nearest-rank method; `None` for no values.
fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

/// Reads the simulator's `faults.csv` (`peripheral_id,device_id,room_id,fault_type,start,end`).
pub fn read_faults(path: &Path) -> Result<Vec<LabelledFault>> {
    let bad = |line: u64, reason: String| Error::Csv {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut rdr = csv::Reader::from_path(path).map_err(|e| bad(0, e.to_string()))?;
    let headers = rdr.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            bad(1, format!("no `{name}` column; expected peripheral_id,device_id,room_id,fault_type,start,end"))
        })
    };
    let (p, d, t, s, e) = (
        col("peripheral_id")?,
        col("device_id")?,
        col("fault_type")?,
        col("start")?,
        col("end")?,
    );
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let field = |k: usize| rec.get(k).unwrap_or("");
        let time = |k: usize| {
            parse_ts(field(k))
                .ok_or_else(|| bad(line, format!("`{}` is not an RFC 3339 time", field(k))))
        };
        out.push(LabelledFault {
            peripheral_id: Some(field(p).to_owned()).filter(|s| !s.is_empty()),
            device_id: field(d).to_owned(),
            fault_type: field(t).to_owned(),
            start: time(s)?,
            end: time(e)?,
        });
    }
    Ok(out)
}

/// Parses an RFC 3339 time into microseconds since the epoch.
pub fn parse_ts(s: &str) -> Option<Micros> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.timestamp_micros())
}

#[cfg(test)]
mod tests;
