//! Robust statistics: the median and the median absolute deviation (MAD), and the robust
//! z-score built from them.
//!
//! A faulty peripheral or a noisy window must not move the reference it is judged against, so
//! every comparison in this crate uses the median for the centre and the MAD (scaled by 1.4826,
//! so it estimates the standard deviation of normal data) for the spread.

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

/// A robust centre and spread: `z = (x − centre) / spread`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RobustScale {
    /// The median.
    pub centre: f64,
    /// The scaled MAD, never below the floor it was built with.
    pub spread: f64,
}

impl RobustScale {
    /// The scale of `values`, with the spread at least `floor` (so constant series do not
    /// divide by zero); `None` when `values` holds no finite number.
    pub fn of(values: &[f64], floor: f64) -> Option<Self> {
        let centre = median_of(values)?;
        let spread = mad(values, centre).unwrap_or(0.0).max(floor);
        Some(RobustScale { centre, spread })
    }

    /// The robust z-score of `x`.
    pub fn z(&self, x: f64) -> f64 {
        (x - self.centre) / self.spread
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
        let s = RobustScale::of(&v, 0.0).map(|s| (s.centre, s.spread));
        let (c, spread) = s.unwrap_or_default();
        assert_eq!(c, 10.0);
        assert!(spread < 1.0, "spread {spread}");
        assert!(RobustScale { centre: c, spread }.z(1000.0) > 100.0);
    }

    #[test]
    fn constant_series_use_the_floor() {
        let s = RobustScale::of(&[2.0, 2.0, 2.0], 0.5);
        assert_eq!(
            s,
            Some(RobustScale {
                centre: 2.0,
                spread: 0.5
            })
        );
    }
}
