//! Running one report of the registry over the catalog.

use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use roomsight_queries::Catalog;
use roomsight_queries::reports::{self, Report, ReportParams};

use super::error::{Error, Result};

/// One report computed: its rows, in the order its SQL gives them.
#[derive(Clone, Debug)]
pub struct ReportRun {
    /// The report.
    pub report: &'static Report,
    /// What it ran over.
    pub params: ReportParams,
    /// Its columns.
    pub schema: SchemaRef,
    /// Its rows.
    pub batches: Vec<RecordBatch>,
    /// How long planning and running took.
    pub elapsed: Duration,
}

impl ReportRun {
    /// Rows in all batches.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// The report called `name`, or an error listing the known names.
pub fn lookup(name: &str) -> Result<&'static Report> {
    reports::find(name).ok_or_else(|| Error::UnknownReport {
        name: name.to_owned(),
        known: reports::names().collect::<Vec<_>>().join(", "),
    })
}

/// Runs the report called `name` over `params` and collects its rows (a report's result is one
/// row per room and day at most, so it is held in memory). Writes nothing; see
/// [`write_outputs`](super::write_outputs).
#[tracing::instrument(skip_all, fields(report = name, rows, elapsed_ms))]
pub async fn run_report(catalog: &Catalog, name: &str, params: &ReportParams) -> Result<ReportRun> {
    let report = lookup(name)?;
    let bound = report.bind(params)?;
    let started = Instant::now();
    let df = catalog
        .query(report.sql, &bound)
        .await
        .map_err(|source| Error::Query {
            report: report.name,
            source,
        })?;
    let schema = SchemaRef::clone(df.schema().inner());
    let batches = df.collect().await.map_err(|source| Error::Execute {
        report: report.name,
        source,
    })?;
    let run = ReportRun {
        report,
        params: *params,
        schema,
        batches,
        elapsed: started.elapsed(),
    };
    let span = tracing::Span::current();
    span.record("rows", run.rows());
    span.record("elapsed_ms", run.elapsed.as_millis());
    tracing::info!(
        report = report.name,
        rows = run.rows(),
        elapsed_ms = run.elapsed.as_millis(),
        "report computed"
    );
    Ok(run)
}
