//! `binomial_upper_tail(k, n, q)`: `P(X >= k)` for `X ~ Binomial(n, q)`, the one-sided exact
//! conditional test of `update_impact` (reports.md). DataFusion has no log-gamma or binomial
//! function, so the sum is computed here, term by term in log space (no overflow or underflow
//! for thousands of trials). `k` and `n` are rounded to whole numbers; `P = 1` when `k <= 0`
//! or `n = 0`, `0` when `k > n`; `q` is clamped to `[0, 1]`. Null in, null out.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Float64Array, Float64Builder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// `P(X >= k)` for `X ~ Binomial(n, q)`.
pub fn binomial_upper_tail(k: f64, n: f64, q: f64) -> f64 {
    let (k, n) = (k.round(), n.round());
    if k <= 0.0 || n <= 0.0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let q = q.clamp(0.0, 1.0);
    if q == 0.0 {
        return 0.0;
    }
    if q == 1.0 {
        return 1.0;
    }
    // ln P(X = i) from i = 0 upwards; sum the terms from k with log-sum-exp.
    let (ln_q, ln_p) = (q.ln(), (1.0 - q).ln());
    let n_int = n as u64;
    let k_int = k as u64;
    let mut ln_term = n * ln_p;
    let mut terms = Vec::with_capacity((n_int - k_int + 1) as usize);
    for i in 1..=n_int {
        let i_f = i as f64;
        ln_term += (n - i_f + 1.0).ln() - i_f.ln() + ln_q - ln_p;
        if i >= k_int {
            terms.push(ln_term);
        }
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return 0.0;
    }
    let sum: f64 = terms.iter().map(|t| (t - max).exp()).sum();
    (max + sum.ln()).exp().clamp(0.0, 1.0)
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct BinomialUpperTail {
    signature: Signature,
}

impl BinomialUpperTail {
    pub(super) fn new() -> Self {
        Self {
            signature: Signature::uniform(3, vec![DataType::Float64], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for BinomialUpperTail {
    fn name(&self) -> &str {
        "binomial_upper_tail"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [k, n, q] = arrays.as_slice() else {
            return exec_err!("binomial_upper_tail takes three arguments: k, n, q");
        };
        let floats = |a: &ArrayRef| -> Result<ArrayRef> { Ok(cast(a, &DataType::Float64)?) };
        let (k, n, q) = (floats(k)?, floats(n)?, floats(q)?);
        let (Some(k), Some(n), Some(q)) = (
            k.as_any().downcast_ref::<Float64Array>(),
            n.as_any().downcast_ref::<Float64Array>(),
            q.as_any().downcast_ref::<Float64Array>(),
        ) else {
            return exec_err!("binomial_upper_tail: arguments are not numbers");
        };
        let mut out = Float64Builder::with_capacity(k.len());
        for i in 0..k.len() {
            if k.is_null(i) || n.is_null(i) || q.is_null(i) {
                out.append_null();
            } else {
                out.append_value(binomial_upper_tail(k.value(i), n.value(i), q.value(i)));
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

#[cfg(test)]
mod tests {
    use super::binomial_upper_tail as p;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9_f64.max(b * 1e-9)
    }

    #[test]
    fn known_values() {
        // Exact sums (Python's math.comb over fractions).
        assert!(close(p(8.0, 10.0, 0.5), 0.0546875));
        assert!(close(p(5.0, 20.0, 0.1), 0.043174495284463404));
        assert!(close(p(30.0, 1000.0, 0.015), 0.000373679424147117));
        assert!(close(p(25.0, 400.0, 0.03), 0.0005529247218498722));
    }

    #[test]
    fn edges() {
        assert_eq!(p(0.0, 0.0, 0.3), 1.0);
        assert_eq!(p(3.0, 0.0, 0.3), 1.0, "n = 0 gives 1, as reports.md says");
        assert_eq!(p(0.0, 10.0, 0.3), 1.0);
        assert_eq!(p(11.0, 10.0, 0.3), 0.0);
        assert_eq!(p(1.0, 10.0, 0.0), 0.0);
        assert_eq!(p(10.0, 10.0, 1.0), 1.0);
        assert!(close(p(10.0, 10.0, 0.5), 1.0 / 1024.0));
        assert!(close(p(1.0, 1.0, 0.25), 0.25));
    }
}
