//! Scoring one time series (`timestamp,value`): each point against the robust centre and
//! spread of the points before it, behind the same alarm policy as the peripheral model.
//!
//! This is the detector of `roomsight models score`: it needs no training and no lake. A point's
//! score is `|x − median| / MAD` over the previous `history` points (at least `min_history`
//! needed; before that the score is 0); a point is anomalous while the alarm policy over those
//! scores is raised, so one outlier alone is scored high but not flagged.

use std::io::{Read, Write};
use std::path::Path;

use crate::alarm::{AlarmPolicy, Micros, Scored, alarms};
use crate::error::{Error, Result};
use crate::eval::parse_ts;
use crate::robust::RobustScale;

/// How a series is scored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesConfig {
    /// Points of history each point is judged against.
    pub history: usize,
    /// Points of history needed before scoring starts.
    pub min_history: usize,
    /// The alarm policy over the scores.
    pub policy: AlarmPolicy,
}

impl Default for SeriesConfig {
    fn default() -> Self {
        SeriesConfig {
            history: 96,
            min_history: 8,
            policy: AlarmPolicy {
                alpha: 1.0,
                open_threshold: 4.0,
                clear_threshold: 2.0,
                min_windows: 2,
                cooldown: 0,
                max_gap: Micros::MAX,
            },
        }
    }
}

/// One scored point.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredPoint {
    /// The timestamp as it was written.
    pub timestamp: String,
    /// The value.
    pub value: f64,
    /// Its robust z-score against the history (absolute).
    pub score: f64,
    /// Whether an alarm is raised at this point.
    pub anomaly: bool,
}

/// Scores `(timestamp text, time, value)` points, in the order given (sorted by time).
pub fn score_series(cfg: &SeriesConfig, points: &[(String, Micros, f64)]) -> Vec<ScoredPoint> {
    let values: Vec<f64> = points.iter().map(|p| p.2).collect();
    let mut scores = Vec::with_capacity(points.len());
    for i in 0..points.len() {
        let lo = i.saturating_sub(cfg.history);
        let hist = &values[lo..i];
        let s = if hist.len() >= cfg.min_history.max(1) {
            let floor = 1e-9_f64.max(1e-3 * hist.iter().map(|v| v.abs()).fold(0.0, f64::max));
            RobustScale::of(hist, floor).map_or(0.0, |r| r.z(values[i]).abs())
        } else {
            0.0
        };
        scores.push(s);
    }
    // The policy works on positions so that irregular timestamps do not matter.
    let scored: Vec<Scored> = scores
        .iter()
        .enumerate()
        .map(|(i, &score)| Scored {
            at: i as Micros,
            score,
        })
        .collect();
    let mut anomaly = vec![false; points.len()];
    for a in alarms(&cfg.policy, &scored) {
        let end = a.end.map_or(points.len(), |e| e as usize);
        for flag in &mut anomaly[a.start as usize..end] {
            *flag = true;
        }
    }
    points
        .iter()
        .zip(scores)
        .zip(anomaly)
        .map(|(((ts, _, v), score), anomaly)| ScoredPoint {
            timestamp: ts.clone(),
            value: *v,
            score,
            anomaly,
        })
        .collect()
}

/// Reads a `timestamp,value` CSV (RFC 3339 times, header required), sorted by time.
pub fn read_series(path: &Path, input: impl Read) -> Result<Vec<(String, Micros, f64)>> {
    let bad = |line: u64, reason: String| Error::Csv {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut rdr = csv::Reader::from_reader(input);
    let headers = rdr.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| {
                bad(
                    1,
                    format!("no `{name}` column; the header must be `timestamp,value`"),
                )
            })
    };
    let (t, v) = (find("timestamp")?, find("value")?);
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let ts = rec.get(t).unwrap_or("").trim().to_owned();
        let at =
            parse_ts(&ts).ok_or_else(|| bad(line, format!("`{ts}` is not an RFC 3339 time")))?;
        let raw = rec.get(v).unwrap_or("").trim();
        let value: f64 = raw
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| bad(line, format!("`{raw}` is not a number")))?;
        out.push((ts, at, value));
    }
    out.sort_by_key(|p| p.1);
    Ok(out)
}

/// Writes `timestamp,value,score,anomaly`.
pub fn write_scored(out: impl Write, points: &[ScoredPoint]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["timestamp", "value", "score", "anomaly"])?;
    for p in points {
        w.write_record([
            p.timestamp.as_str(),
            &p.value.to_string(),
            &format!("{:.3}", p.score),
            if p.anomaly { "true" } else { "false" },
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[f64]) -> Vec<(String, Micros, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (format!("t{i}"), i as Micros, v))
            .collect()
    }

    fn wobble(n: usize) -> Vec<f64> {
        (0..n).map(|i| 10.0 + ((i * 7) % 5) as f64 * 0.1).collect()
    }

    #[test]
    fn a_level_shift_is_flagged_and_a_single_spike_is_not() {
        let mut v = wobble(60);
        v[30] = 50.0;
        for x in &mut v[45..] {
            *x += 5.0;
        }
        let s = score_series(&SeriesConfig::default(), &series(&v));
        assert!(s[30].score > 10.0);
        assert!(!s[30].anomaly && !s[31].anomaly);
        assert!(s[46].anomaly, "{:?}", &s[44..48]);
        assert!(!s[..45].iter().any(|p| p.anomaly));
    }

    #[test]
    fn csv_round_trip_and_bad_rows() {
        let input = "timestamp,value\n2026-01-01T00:01:00Z,2\n2026-01-01T00:00:00Z,1\n";
        let pts = read_series(Path::new("x.csv"), input.as_bytes()).unwrap();
        assert_eq!(pts[0].2, 1.0);
        let scored = score_series(&SeriesConfig::default(), &pts);
        let mut out = Vec::new();
        write_scored(&mut out, &scored).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("timestamp,value,score,anomaly\n2026-01-01T00:00:00Z,1,0.000,false")
        );
        let err =
            read_series(Path::new("x.csv"), "timestamp,value\nnope,1\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 2"));
        let err = read_series(Path::new("x.csv"), "time,v\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("timestamp,value"));
    }
}
