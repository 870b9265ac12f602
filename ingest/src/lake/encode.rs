//! Sorting, date splitting, deduplication and Parquet encoding of lake batches.
//!
//! Every lake file holds the rows of one table (and, for telemetry and dead letters, one UTC
//! date) in the table's row order ([`sort`]): telemetry by `(room_id, device_id, ts, event_id)`
//! so a scan for one room or device reads a few pages, dead letters by arrival. The order is
//! recorded in the file's metadata as Parquet sorting columns, and page statistics are written
//! so readers prune pages by those keys.
//!
//! A flush goes: [`split_by_date`] → [`encode`] per date; compaction goes: [`decode`] the files
//! of a date → concatenate → [`dedup`] → [`encode`].
//!
//! ```
//! use roomsight_ingest::lake::encode::{decode, encode, sort, EncodeOptions};
//! use roomsight_ingest::schema::Table;
//! use arrow_array::RecordBatch;
//!
//! let empty = RecordBatch::new_empty(Table::Rooms.schema());
//! let sorted = sort(Table::Rooms, &empty).unwrap();
//! let file = encode(Table::Rooms, &[sorted], &EncodeOptions::default()).unwrap();
//! let batches = decode(file, None).unwrap();
//! assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 0);
//! ```
//!
//! # Memory
//! [`encode`] buffers a whole row group and the whole file in memory: bound the batches
//! handed to it (the caller flushes by [`TableRows::approx_bytes`](super::rows::TableRows::approx_bytes)).
//! [`split_by_date`] returns slices of one sorted copy of the input, so all days share its
//! buffers until the last slice is dropped.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{ArrayRef, Int64Array, RecordBatch, UInt32Array};
use arrow_ord::sort::{SortColumn, SortOptions, lexsort_to_indices};
use arrow_schema::{ArrowError, Schema};
use arrow_select::take::take_record_batch;
use bytes::Bytes;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowSchemaConverter, ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::{KeyValue, SortingColumn};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::schema::Table;

/// The key/value metadata key naming the table a file belongs to.
pub const TABLE_METADATA_KEY: &str = "roomsight.table";

/// Every sort key is ascending with nulls first (as SQL's `ASC` in DataFusion and arrow).
const KEY_ORDER: SortOptions = SortOptions {
    descending: false,
    nulls_first: true,
};

const MICROS_PER_DAY: i64 = 86_400 * 1_000_000;

/// The columns of a table's row order, most significant first.
pub fn sort_keys(table: Table) -> &'static [&'static str] {
    match table {
        Table::DeadLetters => &["received_at", "kafka_partition", "kafka_offset", "line"],
        Table::Rooms => &["room_id"],
        _ => &["room_id", "device_id", "ts", "event_id"],
    }
}

/// The lake's row order of a table: telemetry → `(room_id, device_id, ts, event_id)`;
/// dead_letters → `(received_at, kafka_partition, kafka_offset, line)`; rooms → `(room_id)`.
/// All keys ascending, nulls first.
pub fn sort(table: Table, batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    if batch.num_rows() < 2 {
        return Ok(batch.clone());
    }
    let indices = lexsort_to_indices(&sort_columns(table, batch)?, None)?;
    take_record_batch(batch, &indices)
}

/// Splits a batch into one batch per UTC date (days since the epoch, as
/// [`Timestamp::utc_day`](crate::Timestamp::utc_day)) of its partition column (`ts` for
/// telemetry, `received_at` for dead letters), each sorted with [`sort`], ascending by day.
///
/// `rooms` has no date partition: splitting it is an error.
pub fn split_by_date(
    table: Table,
    batch: &RecordBatch,
) -> Result<Vec<(i64, RecordBatch)>, ArrowError> {
    let date_column = partition_column(table)?;
    if batch.num_rows() == 0 {
        return Ok(Vec::new());
    }
    let days: ArrayRef = Arc::new(utc_days(batch, date_column)?);
    let mut keys = vec![SortColumn {
        values: days,
        options: Some(KEY_ORDER),
    }];
    keys.extend(sort_columns(table, batch)?);
    let sorted = take_record_batch(batch, &lexsort_to_indices(&keys, None)?)?;
    let days = utc_days(&sorted, date_column)?;
    Ok(day_runs(days.values())
        .map(|(day, start, len)| (day, sorted.slice(start, len)))
        .collect())
}

/// Keeps one row per `event_id` (telemetry tables only; other tables are returned
/// unchanged): among rows with the same `event_id`, the one with the earliest `ingest_ts`, then
/// the smallest `(kafka_partition, kafka_offset)` (null — a file backfill — first), is kept.
/// The input may be in any order; the output is sorted with [`sort`] (telemetry only). Also
/// returns how many rows were dropped.
pub fn dedup(table: Table, batch: &RecordBatch) -> Result<(RecordBatch, usize), ArrowError> {
    if !Table::TELEMETRY.contains(&table) {
        return Ok((batch.clone(), 0));
    }
    let ids = column(batch, "event_id")?
        .as_string_opt::<i32>()
        .ok_or_else(|| type_error(table, "event_id", "Utf8"))?;
    let keys = ["event_id", "ingest_ts", "kafka_partition", "kafka_offset"]
        .iter()
        .map(|name| sort_column(batch, name))
        .collect::<Result<Vec<_>, _>>()?;
    let order = lexsort_to_indices(&keys, None)?;
    let mut keep = Vec::with_capacity(order.len());
    let mut previous: Option<&str> = None;
    for &row in order.values() {
        let id = ids.value(row as usize);
        if previous != Some(id) {
            keep.push(row);
            previous = Some(id);
        }
    }
    let dropped = batch.num_rows() - keep.len();
    let kept = if dropped == 0 {
        batch.clone()
    } else {
        take_record_batch(batch, &UInt32Array::from(keep))?
    };
    Ok((sort(table, &kept)?, dropped))
}

/// Parquet settings of the lake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeOptions {
    /// The zstd compression level (1–22); 1 is fast and already small for telemetry.
    pub zstd_level: i32,
    /// Most rows in one row group; at least 1.
    pub max_row_group_rows: usize,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            zstd_level: 1,
            max_row_group_rows: 1_000_000,
        }
    }
}

/// Encodes batches (already sorted with [`sort`], all with `table.schema()`) as one Parquet
/// file in memory: zstd, page statistics, the sort keys recorded as the row groups' sorting
/// columns, and the key/value metadata [`TABLE_METADATA_KEY`] = the table's name.
pub fn encode(
    table: Table,
    batches: &[RecordBatch],
    options: &EncodeOptions,
) -> Result<Bytes, ParquetError> {
    let schema = table.schema();
    let properties = writer_properties(table, &schema, options)?;
    let mut writer = ArrowWriter::try_new(Vec::new(), Arc::clone(&schema), Some(properties))?;
    for batch in batches {
        if batch.schema_ref().fields() != schema.fields() {
            return Err(ParquetError::ArrowError(format!(
                "internal error: a batch for `{}` does not have the table's schema: {}",
                table.name(),
                batch.schema_ref()
            )));
        }
        writer.write(batch)?;
    }
    Ok(Bytes::from(writer.into_inner()?))
}

/// Reads a whole Parquet file from memory into batches (one per row group), for compaction
/// and tests. `columns` projects by top-level column name (an unknown name is an error); the
/// projected columns keep the file's order. The batches carry the file's Arrow schema without
/// schema-level metadata, so a lake file reads back with exactly its table's schema.
pub fn decode(bytes: Bytes, columns: Option<&[&str]>) -> Result<Vec<RecordBatch>, ParquetError> {
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(bytes)?;
    let largest_group = builder
        .metadata()
        .row_groups()
        .iter()
        .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
        .max()
        .unwrap_or(0);
    builder = builder.with_batch_size(largest_group.max(1));
    if let Some(names) = columns {
        let mask = projection(builder.schema(), builder.parquet_schema(), names)?;
        builder = builder.with_projection(mask);
    }
    let mut schema: Option<Arc<Schema>> = None;
    let mut batches = Vec::new();
    for batch in builder.build()? {
        let batch = batch?;
        let bare =
            schema.get_or_insert_with(|| Arc::new(Schema::new(batch.schema().fields().clone())));
        batches.push(RecordBatch::try_new(
            Arc::clone(bare),
            batch.columns().to_vec(),
        )?);
    }
    Ok(batches)
}

/// The column whose UTC date partitions the table.
fn partition_column(table: Table) -> Result<&'static str, ArrowError> {
    match table {
        Table::DeadLetters => Ok("received_at"),
        Table::Rooms => Err(ArrowError::InvalidArgumentError(
            "internal error: `rooms` has no date partition".to_owned(),
        )),
        _ => Ok("ts"),
    }
}

/// Days since the epoch of each value of a timestamp column.
fn utc_days(batch: &RecordBatch, name: &str) -> Result<Int64Array, ArrowError> {
    let ts = column(batch, name)?
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| {
            ArrowError::SchemaError(format!("column `{name}` is not a microsecond timestamp"))
        })?;
    Ok(ts.unary(|micros| micros.div_euclid(MICROS_PER_DAY)))
}

/// `(value, start, len)` of each run of equal values.
fn day_runs(days: &[i64]) -> impl Iterator<Item = (i64, usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        let day = *days.get(start)?;
        let len = days[start..].iter().take_while(|d| **d == day).count();
        let run = (day, start, len);
        start += len;
        Some(run)
    })
}

fn sort_columns(table: Table, batch: &RecordBatch) -> Result<Vec<SortColumn>, ArrowError> {
    sort_keys(table)
        .iter()
        .map(|name| sort_column(batch, name))
        .collect()
}

fn sort_column(batch: &RecordBatch, name: &str) -> Result<SortColumn, ArrowError> {
    Ok(SortColumn {
        values: Arc::clone(column(batch, name)?),
        options: Some(KEY_ORDER),
    })
}

fn column<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef, ArrowError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| ArrowError::SchemaError(format!("the batch has no column `{name}`")))
}

fn type_error(table: Table, name: &str, expected: &str) -> ArrowError {
    ArrowError::SchemaError(format!(
        "column `{name}` of `{}` is not {expected}",
        table.name()
    ))
}

fn writer_properties(
    table: Table,
    schema: &Schema,
    options: &EncodeOptions,
) -> Result<WriterProperties, ParquetError> {
    if options.max_row_group_rows == 0 {
        return Err(ParquetError::General(
            "max_row_group_rows must be at least 1".to_owned(),
        ));
    }
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(options.zstd_level)?))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(options.max_row_group_rows))
        .set_sorting_columns(Some(sorting_columns(table, schema)?))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            TABLE_METADATA_KEY.to_owned(),
            table.name().to_owned(),
        )]))
        .build())
}

/// The sort keys as Parquet sorting columns (indices of leaf columns).
fn sorting_columns(table: Table, schema: &Schema) -> Result<Vec<SortingColumn>, ParquetError> {
    let parquet_schema = ArrowSchemaConverter::new().convert(schema)?;
    sort_keys(table)
        .iter()
        .map(|name| {
            let leaf = parquet_schema
                .columns()
                .iter()
                .position(|c| c.path().parts() == [*name])
                .ok_or_else(|| {
                    ParquetError::General(format!(
                        "internal error: sort key `{name}` is not a column of `{}`",
                        table.name()
                    ))
                })?;
            Ok(SortingColumn {
                column_idx: i32::try_from(leaf).map_err(|_| {
                    ParquetError::General(format!("column index {leaf} is too large"))
                })?,
                descending: KEY_ORDER.descending,
                nulls_first: KEY_ORDER.nulls_first,
            })
        })
        .collect()
}

/// A projection of the named top-level columns.
fn projection(
    schema: &Schema,
    parquet_schema: &parquet::schema::types::SchemaDescriptor,
    names: &[&str],
) -> Result<ProjectionMask, ParquetError> {
    let roots = names
        .iter()
        .map(|name| {
            schema.index_of(name).map_err(|_| {
                ParquetError::General(format!("the file has no column `{name}` to project"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ProjectionMask::roots(parquet_schema, roots))
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
