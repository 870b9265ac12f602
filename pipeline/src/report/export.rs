//! A report's rows for people and programs: an aligned table, CSV, JSON, or a Parquet directory.

use std::io::Write;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::WriterBuilder as CsvWriterBuilder;
use datafusion::arrow::json::WriterBuilder as JsonWriterBuilder;
use datafusion::arrow::json::writer::JsonArray;
use datafusion::arrow::util::pretty::pretty_format_batches;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;

use super::error::{Error, Result};
use super::output::{WrittenPartition, write_partitions};
use super::run::ReportRun;

/// How rows are written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An aligned text table with a header (for people).
    Table,
    /// CSV with a header row; dates `YYYY-MM-DD`, timestamps RFC 3339, nulls empty.
    Csv,
    /// One JSON array of objects, one per row, every column present (nulls as `null`).
    Json,
    /// A directory laid out as the lake's outputs (`reports/<report>/<partition>/part-0.parquet`).
    Parquet,
}

fn io_error(target: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Export {
        target: target.to_owned(),
        source,
    }
}

fn arrow_io(e: datafusion::arrow::error::ArrowError) -> std::io::Error {
    match e {
        datafusion::arrow::error::ArrowError::IoError(_, io) => io,
        other => std::io::Error::other(other),
    }
}

/// Writes the rows as text (`Table`, `Csv` or `Json`) to `out`; `target` names it in errors.
pub fn write_text(
    run: &ReportRun,
    format: Format,
    out: &mut dyn Write,
    target: &str,
) -> Result<()> {
    let fail = io_error(target);
    let batches: Vec<RecordBatch> = if run.batches.is_empty() {
        vec![RecordBatch::new_empty(Arc::clone(&run.schema))]
    } else {
        run.batches.clone()
    };
    match format {
        Format::Table => {
            let table = pretty_format_batches(&batches).map_err(|e| fail(arrow_io(e)))?;
            writeln!(out, "{table}").map_err(&fail)?;
        }
        Format::Csv => {
            let mut writer = CsvWriterBuilder::new().with_header(true).build(&mut *out);
            for batch in &batches {
                writer.write(batch).map_err(|e| fail(arrow_io(e)))?;
            }
        }
        Format::Json => {
            {
                let mut writer = JsonWriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, JsonArray>(&mut *out);
                for batch in &batches {
                    writer.write(batch).map_err(|e| fail(arrow_io(e)))?;
                }
                writer.finish().map_err(|e| fail(arrow_io(e)))?;
            }
            writeln!(out).map_err(&fail)?;
        }
        Format::Parquet => return Err(Error::ParquetNeedsDir),
    }
    out.flush().map_err(&fail)
}

/// Writes the rows as text (`Table`, `Csv` or `Json`) into the file at `path`, replacing it.
pub fn write_file(run: &ReportRun, format: Format, path: &std::path::Path) -> Result<()> {
    let target = path.display().to_string();
    let file = std::fs::File::create(path).map_err(io_error(&target))?;
    write_text(run, format, &mut std::io::BufWriter::new(file), &target)
}

/// Writes the rows as a Parquet directory at `dir` (created if missing), laid out as the lake's
/// outputs.
pub async fn write_parquet_dir(
    run: &ReportRun,
    dir: &std::path::Path,
) -> Result<Vec<WrittenPartition>> {
    let target = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(io_error(&target))?;
    let store = LocalFileSystem::new_with_prefix(dir).map_err(|e| Error::Export {
        target: target.clone(),
        source: std::io::Error::other(e),
    })?;
    let store: Arc<dyn ObjectStore> = Arc::new(store);
    write_partitions(&store, run).await
}
