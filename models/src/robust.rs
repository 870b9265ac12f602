//! Robust statistics: the median and the median absolute deviation (MAD), and the robust
//! z-score built from them.
//!
//! A faulty peripheral or a noisy window must not move the reference it is judged against, so
//! every comparison in this crate uses the median for the centre and the MAD (scaled by 1.4826,
//! so it estimates the standard deviation of normal data) for the spread.
//!
//! ## The spread floor
//! Real telemetry is full of series whose MAD is 0: a frame rate pinned at 30, an error counter
//! at 0 for days, an SNR in 0.1 dB steps that sits on one step for most of a window. Dividing by
//! such a spread turns the next ordinary reading into a z-score of 10^16. So every spread in this
//! crate goes through one rule, [`SpreadFloor`]: the spread is at least the largest of
//! - an absolute epsilon (`abs`, a configured per-metric minimum where the unit is known),
//! - a fraction `rel` of the series' typical magnitude (the median of `|x|`), and
//! - `steps` times the series' **resolution**: the median of the nonzero steps between
//!   consecutive readings (the quantum of a quantised series, the typical move of a continuous
//!   one; zeros are left out so flat stretches do not shrink it).
//!
//! What that gives on awkward series:
//! - **constant** (no nonzero step, e.g. a counter at 0): the spread is `max(abs, rel·|level|)`;
//!   the first change scores high, as it should, and saturates (below) instead of exploding;
//! - **quantised**: a one-step move scores at most `1/steps`;
//! - **sparse** (mostly 0, rare counts): the median is 0 and the MAD is 0; the resolution is the
//!   typical nonzero count, so one ordinary count scores about 1, not 10^16;
//! - **irregularly sampled**: the rule looks only at values, never at the time between them.
//!
//! And z-scores saturate: [`RobustScale::z_sat`] clips at a documented maximum ([`Z_MAX`]).

/// The largest absolute z-score any robust scaling in this crate reports (see [`RobustScale::z_sat`]).
pub const Z_MAX: f64 = 50.0;

/// Scale factor that makes the MAD a consistent estimator of a normal distribution's σ.
pub const MAD_TO_SIGMA: f64 = 1.482_6;

/// The median of `values` (NaNs ignored), or `None` when there is none; reorders `values`.
pub fn median(values: &mut [f64]) -> Option<f64> {
    let n = partition_finite(values);
    let v = &mut values[..n];
    if v.is_empty() {
        return None;
    }
    v.sort_unstable_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// The median of a copy of `values`.
pub fn median_of(values: &[f64]) -> Option<f64> {
    median(&mut values.to_vec())
}

/// The MAD of `values` around `centre`, scaled to estimate σ (0 when all values agree).
pub fn mad(values: &[f64], centre: f64) -> Option<f64> {
    let mut dev: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| (v - centre).abs())
        .collect();
    median(&mut dev).map(|m| m * MAD_TO_SIGMA)
}

/// The lowest spread a robust scale may use (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpreadFloor {
    /// Absolute minimum (in the series' unit); at least [`SpreadFloor::EPSILON`].
    pub abs: f64,
    /// Fraction of the typical magnitude (median `|x|`).
    pub rel: f64,
    /// Multiple of the resolution (median nonzero step between consecutive readings).
    pub steps: f64,
}

impl SpreadFloor {
    /// The absolute epsilon no floor goes below.
    pub const EPSILON: f64 = 1e-9;

    /// A floor of `abs` only (units known, no relative or resolution term).
    pub fn absolute(abs: f64) -> Self {
        SpreadFloor {
            abs,
            rel: 0.0,
            steps: 0.0,
        }
    }

    /// The floor for a series with this typical magnitude and resolution (either may be 0
    /// or non-finite when unknown: it is then left out).
    pub fn floor(&self, magnitude: f64, resolution: f64) -> f64 {
        let term = |v: f64| if v.is_finite() { v.abs() } else { 0.0 };
        Self::EPSILON
            .max(term(self.abs))
            .max(term(self.rel * magnitude))
            .max(term(self.steps * resolution))
    }

    /// The floor for these values (in reading order).
    pub fn of(&self, values: &[f64]) -> f64 {
        let mut mags: Vec<f64> = values.iter().map(|v| v.abs()).collect();
        let magnitude = median(&mut mags).unwrap_or(0.0);
        self.floor(magnitude, resolution(values))
    }
}

impl Default for SpreadFloor {
    /// The floor for a series of unknown unit: 0.1 % of its level, half its resolution.
    fn default() -> Self {
        SpreadFloor {
            abs: SpreadFloor::EPSILON,
            rel: 0.001,
            steps: 0.5,
        }
    }
}

/// The resolution of a series in reading order: the median of the nonzero absolute steps
/// between consecutive finite readings (0 when it never moves).
pub fn resolution(values: &[f64]) -> f64 {
    let mut steps: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|d| *d > 0.0 && d.is_finite())
        .collect();
    median(&mut steps).unwrap_or(0.0)
}

/// A robust centre and spread: `z = (x − centre) / spread`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RobustScale {
    /// The median.
    pub centre: f64,
    /// The scaled MAD, never below the floor it was built with.
    pub spread: f64,
}

impl RobustScale {
    /// The scale of `values` (in reading order), the spread kept at or above `floor`'s rule
    /// for them; `None` when `values` holds no finite number.
    pub fn of(values: &[f64], floor: &SpreadFloor) -> Option<Self> {
        let centre = median_of(values)?;
        let spread = mad(values, centre).unwrap_or(0.0).max(floor.of(values));
        Some(RobustScale { centre, spread })
    }

    /// The robust z-score of `x` (unbounded; see [`RobustScale::z_sat`]).
    pub fn z(&self, x: f64) -> f64 {
        (x - self.centre) / self.spread
    }

    /// The robust z-score of `x` clipped to `±Z_MAX` (0 for a non-finite `x`).
    pub fn z_sat(&self, x: f64) -> f64 {
        let z = self.z(x);
        if z.is_finite() {
            z.clamp(-Z_MAX, Z_MAX)
        } else if z.is_nan() {
            0.0
        } else {
            z.signum() * Z_MAX
        }
    }
}

/// Moves the finite values to the front and returns how many there are.
fn partition_finite(values: &mut [f64]) -> usize {
    let mut n = 0;
    for i in 0..values.len() {
        if values[i].is_finite() {
            values.swap(i, n);
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts_ignores_nan() {
        assert_eq!(median_of(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_of(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median_of(&[f64::NAN, 5.0]), Some(5.0));
        assert_eq!(median_of(&[f64::NAN]), None);
        assert_eq!(median_of(&[]), None);
    }

    #[test]
    fn mad_ignores_one_outlier_where_the_standard_deviation_would_not() {
        let v = [10.0, 10.5, 9.5, 10.0, 10.2, 9.8, 1000.0];
        let s = RobustScale::of(&v, &SpreadFloor::absolute(0.0)).map(|s| (s.centre, s.spread));
        let (c, spread) = s.unwrap_or_default();
        assert_eq!(c, 10.0);
        assert!(spread < 1.0, "spread {spread}");
        assert!(RobustScale { centre: c, spread }.z(1000.0) > 100.0);
    }

    #[test]
    fn constant_series_use_the_floor() {
        let s = RobustScale::of(&[2.0, 2.0, 2.0], &SpreadFloor::absolute(0.5));
        assert_eq!(
            s,
            Some(RobustScale {
                centre: 2.0,
                spread: 0.5
            })
        );
    }

    /// Regression (issue 23): a series pinned on one value with rare one-step moves had a MAD of
    /// 0 and scored its next ordinary step at ~10^16.
    #[test]
    fn a_quantised_series_scores_a_one_step_move_at_most_two() {
        let mut v = vec![30.0; 200];
        v[50] = 29.0;
        v[120] = 31.0;
        let s = RobustScale::of(&v, &SpreadFloor::default()).unwrap_or(RobustScale {
            centre: f64::NAN,
            spread: f64::NAN,
        });
        assert_eq!(s.centre, 30.0);
        assert!(s.z(31.0) <= 2.0, "{s:?}");
        assert!((resolution(&[1.0, 1.0, 1.1, 1.1, 1.3]) - 0.15).abs() < 1e-12);
    }

    #[test]
    fn a_counter_at_zero_saturates_instead_of_exploding() {
        let s = RobustScale::of(&[0.0; 50], &SpreadFloor::default()).unwrap_or(RobustScale {
            centre: f64::NAN,
            spread: f64::NAN,
        });
        assert_eq!(s.spread, SpreadFloor::EPSILON);
        assert_eq!(s.z_sat(1.0), Z_MAX);
        assert_eq!(s.z_sat(-1e300), -Z_MAX);
        assert_eq!(s.z_sat(f64::NAN), 0.0);
    }
}
