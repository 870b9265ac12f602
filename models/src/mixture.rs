//! The density model: a Gaussian mixture fitted with linfa, kept as plain numbers so it can be
//! saved, and scored by its negative log-likelihood.
//!
//! linfa 0.8 has no public log-likelihood for a fitted `GaussianMixtureModel`, and its own
//! `predict_proba` underflows on points far from every component (exactly the points we care
//! about). So the fitted weights, means and precision matrices are copied out and the
//! log-likelihood is computed here in log space (log-sum-exp over components), which stays finite
//! however far out a point is.

use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_clustering::GaussianMixtureModel;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A fitted Gaussian mixture with full covariances.
///
/// Fitted with a covariance floor of 0.05 on the diagonal (features are z-scores): a feature that
/// is almost constant on healthy data (no errors at all) would otherwise get a near-zero
/// variance, and its first small change an absurd score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mixture {
    /// Number of features.
    pub dim: usize,
    /// One per component.
    pub components: Vec<Component>,
}

/// One component of the mixture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// `ln(weight) + ½ ln det(precision) − d/2 ln 2π`: everything but the quadratic form.
    pub log_norm: f64,
    /// The mean.
    pub mean: Vec<f64>,
    /// The precision matrix (inverse covariance), row-major `dim × dim`.
    pub precision: Vec<f64>,
}

impl Mixture {
    /// Fits `k` components to the rows of `x` (deterministic: linfa's seeded generator).
    pub fn fit(x: &Array2<f64>, k: usize) -> Result<Self> {
        let dim = x.ncols();
        if x.nrows() < k.max(1) * (dim + 1) {
            return Err(Error::TooLittleData {
                what: "the mixture",
                rows: x.nrows(),
                needed: k.max(1) * (dim + 1),
            });
        }
        let data = DatasetBase::from(x.clone());
        let gmm = GaussianMixtureModel::<f64>::params(k)
            .n_runs(2)
            .tolerance(1e-4)
            .reg_covariance(0.05)
            .max_n_iterations(300)
            .fit(&data)
            .map_err(|e| Error::Fit {
                reason: e.to_string(),
            })?;
        let mut components = Vec::with_capacity(k);
        for c in 0..gmm.weights().len() {
            let precision: Vec<f64> = gmm
                .precisions()
                .index_axis(ndarray::Axis(0), c)
                .iter()
                .copied()
                .collect();
            let logdet = log_det_spd(&precision, dim).ok_or_else(|| Error::Fit {
                reason: format!(
                    "component {c} has a precision matrix that is not positive definite"
                ),
            })?;
            let w = gmm.weights()[c];
            components.push(Component {
                log_norm: w.ln() + 0.5 * logdet
                    - 0.5 * dim as f64 * (2.0 * std::f64::consts::PI).ln(),
                mean: gmm.means().row(c).to_vec(),
                precision,
            });
        }
        Ok(Mixture { dim, components })
    }

    /// The negative log-likelihood of `x` (higher is more anomalous); finite for any finite `x`.
    pub fn score(&self, x: &[f64]) -> f64 {
        debug_assert_eq!(x.len(), self.dim, "feature vector of the wrong length");
        let mut terms = Vec::with_capacity(self.components.len());
        let mut diff = vec![0.0; self.dim];
        for c in &self.components {
            for (d, (xi, mi)) in diff.iter_mut().zip(x.iter().zip(&c.mean)) {
                *d = xi - mi;
            }
            let mut q = 0.0;
            for i in 0..self.dim {
                let row = &c.precision[i * self.dim..(i + 1) * self.dim];
                let pi: f64 = row.iter().zip(&diff).map(|(p, d)| p * d).sum();
                q += diff[i] * pi;
            }
            terms.push(c.log_norm - 0.5 * q);
        }
        let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !max.is_finite() {
            return f64::MAX;
        }
        let sum: f64 = terms.iter().map(|t| (t - max).exp()).sum();
        -(max + sum.ln())
    }
}

/// `ln det` of a symmetric positive-definite `n × n` matrix by Cholesky; `None` if it is not.
fn log_det_spd(a: &[f64], n: usize) -> Option<f64> {
    let mut l = vec![0.0; n * n];
    let mut logdet = 0.0;
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
                logdet += 2.0 * s.sqrt().ln();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(logdet)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-normal noise (sum of uniforms from an LCG).
    fn noise(n: usize, dim: usize, seed: u64) -> Array2<f64> {
        let mut s = seed;
        let mut next = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        Array2::from_shape_fn((n, dim), |_| (0..12).map(|_| next()).sum::<f64>() - 6.0)
    }

    #[test]
    fn log_det_of_a_diagonal_matrix() {
        let d = log_det_spd(&[2.0, 0.0, 0.0, 8.0], 2).unwrap();
        assert!((d - 16f64.ln()).abs() < 1e-12);
        assert_eq!(log_det_spd(&[1.0, 2.0, 2.0, 1.0], 2), None);
    }

    #[test]
    fn far_points_score_higher_and_stay_finite() {
        let x = noise(2_000, 3, 7);
        let m = Mixture::fit(&x, 2).unwrap();
        let centre = m.score(&[0.0, 0.0, 0.0]);
        let near = m.score(&[1.0, -1.0, 0.5]);
        let far = m.score(&[8.0, 0.0, 0.0]);
        let very_far = m.score(&[1e6, -1e6, 1e6]);
        assert!(
            centre < near && near < far && far < very_far,
            "{centre} {near} {far}"
        );
        assert!(very_far.is_finite());
        // A standard normal in 3-d: −ln p(0) = 1.5 ln 2π ≈ 2.76.
        assert!((centre - 2.76).abs() < 0.4, "{centre}");
    }

    #[test]
    fn saved_and_loaded_mixtures_score_the_same() {
        let m = Mixture::fit(&noise(500, 2, 3), 1).unwrap();
        let back: Mixture = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        // serde_json parses floats to within one unit in the last place (exact parsing needs
        // its `float_roundtrip` feature, which would rebuild arrow and DataFusion).
        let (a, b) = (m.score(&[3.0, 1.0]), back.score(&[3.0, 1.0]));
        assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
    }

    #[test]
    fn too_few_rows_is_an_error() {
        assert!(matches!(
            Mixture::fit(&noise(3, 3, 1), 2),
            Err(Error::TooLittleData { .. })
        ));
    }
}
