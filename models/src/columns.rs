//! Reading typed columns out of query results by name.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit};

use crate::error::{Error, Result};

/// The named column of `batch` cast to `ty`.
fn column(
    batch: &RecordBatch,
    query: &'static str,
    name: &'static str,
    ty: &DataType,
) -> Result<ArrayRef> {
    let col = batch.column_by_name(name).ok_or(Error::Column {
        query,
        column: name,
    })?;
    if col.data_type() == ty {
        return Ok(Arc::clone(col));
    }
    cast(col, ty).map_err(|_| Error::Column {
        query,
        column: name,
    })
}

/// A text column: one `Option<&str>` per row.
pub fn strings(
    batch: &RecordBatch,
    query: &'static str,
    name: &'static str,
) -> Result<Vec<Option<String>>> {
    let col = column(batch, query, name, &DataType::Utf8)?;
    let a = col.as_string::<i32>();
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_owned()))
        .collect())
}

/// An integer column, or a timestamp column as microseconds since the epoch whatever its unit
/// (`date_bin` answers in nanoseconds); nulls become `None`.
pub fn ints(
    batch: &RecordBatch,
    query: &'static str,
    name: &'static str,
) -> Result<Vec<Option<i64>>> {
    let col = match batch.column_by_name(name).map(|c| c.data_type()) {
        Some(DataType::Timestamp(unit, tz)) if *unit != TimeUnit::Microsecond => {
            let micros = column(
                batch,
                query,
                name,
                &DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
            )?;
            cast(&micros, &DataType::Int64).map_err(|_| Error::Column {
                query,
                column: name,
            })?
        }
        _ => column(batch, query, name, &DataType::Int64)?,
    };
    let a = col.as_primitive::<Int64Type>();
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect())
}

/// A float column; nulls become NaN.
pub fn floats(batch: &RecordBatch, query: &'static str, name: &'static str) -> Result<Vec<f64>> {
    let col = column(batch, query, name, &DataType::Float64)?;
    let a = col.as_primitive::<Float64Type>();
    Ok((0..a.len())
        .map(|i| if a.is_valid(i) { a.value(i) } else { f64::NAN })
        .collect())
}
