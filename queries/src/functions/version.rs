//! `version_key(v)`: versions compared as docs/reports.md says, by comparing texts.
//!
//! A version is dot-separated parts. Numeric parts compare as numbers (`1.10.0 > 1.9.3`), missing
//! parts count as 0 (`1.2 = 1.2.0`), and a non-numeric part compares as text. The key encodes
//! each part so that the byte order of keys is that order: a numeric part becomes `\x01`, its
//! digit count in three digits and its digits without leading zeros; a text part becomes `\x02`
//! and the text; parts are joined with `\x00`, and trailing zero parts are dropped. One case the
//! rule leaves open is a number against a text: here every number sorts before every text part
//! (`1.2 < 1.beta`), which is also what plain text comparison gives for every text that starts
//! with a letter.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, StringArray, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

/// The sort key of one version text.
pub fn version_key(version: &str) -> String {
    let mut parts: Vec<String> = version
        .split('.')
        .map(|part| {
            if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                let digits = part.trim_start_matches('0');
                format!("\x01{:03}{digits}", digits.len())
            } else {
                format!("\x02{part}")
            }
        })
        .collect();
    while parts.last().is_some_and(|p| p == "\x01000") {
        parts.pop();
    }
    parts.join("\x00")
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct VersionKey {
    signature: Signature,
}

impl VersionKey {
    pub(super) fn new() -> Self {
        Self {
            signature: Signature::string(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for VersionKey {
    fn name(&self) -> &str {
        "version_key"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [input] = ColumnarValue::values_to_arrays(&args.args)?
            .try_into()
            .or_else(|_| exec_err!("version_key takes one argument"))?;
        let input = cast(&input, &DataType::Utf8)?;
        let Some(input) = input.as_any().downcast_ref::<StringArray>() else {
            return exec_err!("version_key: argument is not text");
        };
        let mut out = StringBuilder::with_capacity(input.len(), input.len() * 12);
        for v in input {
            out.append_option(v.map(version_key));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish()) as ArrayRef))
    }
}

#[cfg(test)]
mod tests {
    use super::version_key as key;

    #[test]
    fn numeric_parts_compare_as_numbers() {
        assert!(key("1.10.0") > key("1.9.3"));
        assert!(key("2.0") > key("1.99.99"));
        assert!(key("10") > key("9"));
    }

    #[test]
    fn missing_parts_count_as_zero() {
        assert_eq!(key("1.2"), key("1.2.0"));
        assert_eq!(key("1.2"), key("1.2.0.0"));
        assert_eq!(key("01.2"), key("1.2"));
        assert!(key("1.2.1") > key("1.2"));
    }

    #[test]
    fn text_parts_compare_as_text() {
        assert!(key("1.2.beta") > key("1.2.alpha"));
        assert!(key("1.2.beta2") > key("1.2.beta"));
        assert!(key("1.2.beta") > key("1.2"));
        assert!(key("1.3") > key("1.2.beta"));
    }
}
