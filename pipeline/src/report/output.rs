//! Writing a report's rows into the lake: one partition per local date (`report_date=…`) or per
//! snapshot moment (`as_of=…`), each replaced whole.
//!
//! A partition is exactly one file, [`PARTITION_FILE`], replaced with a single `put` of the whole
//! file: the local store writes a temporary file beside it (its name does not end in `.parquet`,
//! so no reader lists it) and renames it into place, and object stores make a PUT visible
//! whole. A reader therefore sees a partition's old rows or its new rows, never a mix and never
//! both. A re-run over the same dates replaces exactly those partitions; the dates of its window
//! that have no rows any more lose their partition (one delete of its one file), so stale rows
//! never outlive a re-run. Other `.parquet` files found in a rewritten partition (from an older
//! layout) are deleted after the new file is in place.
//!
//! A multi-date re-run replaces its partitions one after another, not all at once: a query
//! running meanwhile may see some dates recomputed and others not yet, each date whole.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use roomsight_queries::reports::{ReportKind, Window};
use roomsight_queries::tables::REPORTS_DIR;

use super::error::{Error, Result};
use super::run::ReportRun;

/// The name of the one file of every output partition.
pub const PARTITION_FILE: &str = "part-0.parquet";

/// Which partition of a report's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PartitionKey {
    /// `report_date=YYYY-MM-DD`.
    ReportDate(NaiveDate),
    /// `as_of=YYYY-MM-DDTHH:MM:SS[.ffffff]Z`.
    AsOf(DateTime<Utc>),
}

impl std::fmt::Display for PartitionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PartitionKey::ReportDate(d) => write!(f, "report_date={d}"),
            PartitionKey::AsOf(at) => {
                write!(
                    f,
                    "as_of={}",
                    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
                )
            }
        }
    }
}

/// One partition written (or removed, with zero rows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenPartition {
    /// Which one.
    pub key: PartitionKey,
    /// Its file, relative to the lake's (or export directory's) root.
    pub path: String,
    /// Rows in it; zero when a re-run found no rows for the date and removed the partition.
    pub rows: usize,
    /// Bytes of its file (zero when removed).
    pub bytes: usize,
}

/// The folder of a report's partition, relative to the root the outputs are written under.
pub fn partition_dir(report: &str, key: PartitionKey) -> String {
    format!("{REPORTS_DIR}{report}/{key}")
}

/// The rows of a run split by output partition, oldest first; for a daily report also the dates
/// of its window that have no rows (with an empty batch list).
pub fn partition_rows(run: &ReportRun) -> Result<Vec<(PartitionKey, Vec<RecordBatch>)>> {
    let report = run.report.name;
    let batches = run
        .batches
        .iter()
        .map(|b| plain_strings(b).map_err(|source| Error::Arrow { report, source }))
        .collect::<Result<Vec<_>>>()?;
    match (run.report.kind, run.params.window) {
        (ReportKind::Daily, Window::Range { from, to }) => by_date(report, &batches, from, to),
        (ReportKind::Period, Window::Range { to, .. }) => {
            Ok(vec![(PartitionKey::ReportDate(to), batches)])
        }
        (_, Window::AsOf(at)) => Ok(vec![(PartitionKey::AsOf(at), batches)]),
        (ReportKind::Snapshot, Window::Range { .. }) => Err(Error::Bind(
            roomsight_queries::reports::BindError::WrongWindow {
                report,
                range: false,
            },
        )),
    }
}

fn by_date(
    report: &'static str,
    batches: &[RecordBatch],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(PartitionKey, Vec<RecordBatch>)>> {
    let mut parts: std::collections::BTreeMap<NaiveDate, Vec<RecordBatch>> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| (d, Vec::new()))
        .collect();
    for batch in batches {
        let dates = batch
            .column_by_name("date")
            .and_then(|c| c.as_primitive_opt::<Date32Type>())
            .filter(|c| c.null_count() == 0)
            .ok_or(Error::NoDateColumn { report })?;
        let mut distinct: Vec<i32> = dates.values().to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        for day in distinct {
            let mask: BooleanArray = dates.iter().map(|d| Some(d == Some(day))).collect();
            let rows = filter_record_batch(batch, &mask)
                .map_err(|source| Error::Arrow { report, source })?;
            let date = Date32Type::to_naive_date_opt(day).ok_or(Error::NoDateColumn { report })?;
            parts.entry(date).or_default().push(rows);
        }
    }
    Ok(parts
        .into_iter()
        .map(|(d, b)| (PartitionKey::ReportDate(d), b))
        .collect())
}

/// Casts string views to plain `Utf8`, so every output file has the same simple schema
/// whatever the engine's internal string type.
fn plain_strings(batch: &RecordBatch) -> Result<RecordBatch, datafusion::arrow::error::ArrowError> {
    let schema = plain_schema(batch.schema_ref());
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| {
            if c.data_type() == f.data_type() {
                Ok(Arc::clone(c))
            } else {
                cast(c, f.data_type())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema, columns)
}

/// The output schema of a report: its columns with string views as `Utf8`.
pub fn plain_schema(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8View | DataType::LargeUtf8 => {
                f.as_ref().clone().with_data_type(DataType::Utf8)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Encodes batches as one Parquet file (zstd), with `schema` even when there are no batches.
pub fn encode_parquet(
    report: &'static str,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<Bytes> {
    let encode_error = |source| Error::Encode { report, source };
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).map_err(encode_error)?,
        ))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), Arc::clone(schema), Some(properties))
        .map_err(encode_error)?;
    for batch in batches {
        writer.write(batch).map_err(encode_error)?;
    }
    Ok(Bytes::from(writer.into_inner().map_err(encode_error)?))
}

/// Writes a run's partitions under `store`'s root (`reports/<report>/<partition>/part-0.parquet`),
/// each replaced whole, and removes the partitions of window dates that have no rows.
#[tracing::instrument(skip_all, fields(report = run.report.name, partitions, rows = run.rows()))]
pub async fn write_partitions(
    store: &Arc<dyn ObjectStore>,
    run: &ReportRun,
) -> Result<Vec<WrittenPartition>> {
    let report = run.report.name;
    let schema = plain_schema(&run.schema);
    let mut written = Vec::new();
    for (key, batches) in partition_rows(run)? {
        let dir = partition_dir(report, key);
        let path = Path::from(format!("{dir}/{PARTITION_FILE}"));
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let store_error = |source| Error::Store {
            path: path.to_string(),
            source,
        };
        let bytes = if rows == 0
            && matches!(key, PartitionKey::ReportDate(_))
            && run.report.kind == ReportKind::Daily
        {
            match store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(store_error(e)),
            }
            0
        } else {
            let file = encode_parquet(report, &schema, &batches)?;
            let len = file.len();
            store
                .put(&path, PutPayload::from(file))
                .await
                .map_err(store_error)?;
            len
        };
        remove_strays(store, &dir).await?;
        tracing::debug!(report, partition = %key, rows, bytes, "partition replaced");
        written.push(WrittenPartition {
            key,
            path: path.to_string(),
            rows,
            bytes,
        });
    }
    tracing::Span::current().record("partitions", written.len());
    Ok(written)
}

/// Deletes every `.parquet` file of a partition folder other than [`PARTITION_FILE`].
async fn remove_strays(store: &Arc<dyn ObjectStore>, dir: &str) -> Result<()> {
    let prefix = Path::from(dir);
    let listed: Vec<_> = store
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|source| Error::Store {
            path: dir.to_owned(),
            source,
        })?;
    for meta in listed {
        let name = meta.location.filename().unwrap_or_default();
        if name.ends_with(".parquet") && name != PARTITION_FILE {
            match store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(source) => {
                    return Err(Error::Store {
                        path: meta.location.to_string(),
                        source,
                    });
                }
            }
        }
    }
    Ok(())
}
