//! Running a rule's SQL over the catalog and reading its columns.

use chrono::NaiveDate;
use datafusion::arrow::array::RecordBatch;
use datafusion::scalar::ScalarValue;
use roomsight_models::features::date_param;
use roomsight_queries::Catalog;

use super::error::{DetectError, Result};

/// The dates a detection run reads (UTC, inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    /// First date.
    pub from: NaiveDate,
    /// Last date.
    pub to: NaiveDate,
}

/// Runs `sql` for `rule` with `$from_date`/`$to_date` and `extra` parameters bound.
pub(crate) async fn run(
    catalog: &Catalog,
    rule: &'static str,
    sql: &str,
    range: DateRange,
    extra: &[(&str, ScalarValue)],
) -> Result<Vec<RecordBatch>> {
    let mut params: Vec<(&str, ScalarValue)> = vec![
        ("from_date", date_param(range.from)),
        ("to_date", date_param(range.to)),
    ];
    params.extend(extra.iter().cloned());
    // Only bind the parameters the text uses (DataFusion rejects unused ones in some versions).
    params.retain(|(name, _)| sql.contains(&format!("${name}")));
    collect(catalog, rule, sql, &params).await
}

/// Runs `sql` with `params` for `rule` and collects its batches.
pub(crate) async fn collect(
    catalog: &Catalog,
    rule: &'static str,
    sql: &str,
    params: &[(&str, ScalarValue)],
) -> Result<Vec<RecordBatch>> {
    let df = catalog
        .query(sql, params)
        .await
        .map_err(|source| DetectError::Query { rule, source })?;
    df.collect()
        .await
        .map_err(|source| DetectError::Collect { rule, source })
}
