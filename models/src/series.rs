//! Scoring one time series (`timestamp,value`): the detector of `roomsight models score`.
//!
//! It needs no training and no lake: [`crate::detector`] judges each point by the points before
//! it and gives it a score in `[0, 1]` and a 0/1 decision. This module reads and writes the CSV.

use std::io::{Read, Write};
use std::path::Path;

use crate::alarm::Micros;
use crate::detector::{DetectorConfig, score_points};
use crate::error::{Error, Result};
use crate::eval::parse_ts;

/// One scored point.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredPoint {
    /// The timestamp as it was written.
    pub timestamp: String,
    /// The value.
    pub value: f64,
    /// Its score in `[0, 1]` (see [`crate::detector`]).
    pub score: f64,
    /// Whether the point is an anomaly (score at or above the threshold).
    pub anomaly: bool,
}

/// Scores `(timestamp text, time, value)` points, in the order given (sorted by time).
pub fn score_series(cfg: &DetectorConfig, points: &[(String, Micros, f64)]) -> Vec<ScoredPoint> {
    let tv: Vec<(Micros, f64)> = points.iter().map(|p| (p.1, p.2)).collect();
    points
        .iter()
        .zip(score_points(cfg, &tv))
        .map(|((ts, _, v), d)| ScoredPoint {
            timestamp: ts.clone(),
            value: *v,
            score: d.score,
            anomaly: d.anomaly,
        })
        .collect()
}

/// An RFC 3339 time, or `YYYY-MM-DD HH:MM:SS[.fff]` without an offset, taken as UTC.
fn parse_series_ts(s: &str) -> Option<Micros> {
    parse_ts(s).or_else(|| {
        chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .map(|t| t.and_utc().timestamp_micros())
    })
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
        let at = parse_series_ts(&ts).ok_or_else(|| {
            bad(
                line,
                format!("`{ts}` is not an RFC 3339 time (nor `YYYY-MM-DD HH:MM:SS`, taken as UTC)"),
            )
        })?;
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

/// Writes `timestamp,value,score,anomaly` (score with 6 decimals, anomaly 0 or 1).
pub fn write_scored(out: impl Write, points: &[ScoredPoint]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["timestamp", "value", "score", "anomaly"])?;
    for p in points {
        w.write_record([
            p.timestamp.as_str(),
            &p.value.to_string(),
            &format!("{:.6}", p.score),
            if p.anomaly { "1" } else { "0" },
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip_and_bad_rows() {
        let input = "timestamp,value\n2026-01-01T00:01:00Z,2\n2026-01-01 00:00:00,1\n";
        let pts = read_series(Path::new("x.csv"), input.as_bytes()).unwrap();
        assert_eq!(pts[0].2, 1.0);
        assert_eq!(pts[0].0, "2026-01-01 00:00:00");
        let scored = score_series(&DetectorConfig::default(), &pts);
        let mut out = Vec::new();
        write_scored(&mut out, &scored).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("timestamp,value,score,anomaly\n2026-01-01 00:00:00,1,0.000000,0"),
            "{text}"
        );
        let err =
            read_series(Path::new("x.csv"), "timestamp,value\nnope,1\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 2"));
        let err = read_series(Path::new("x.csv"), "time,v\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("timestamp,value"));
    }
}
