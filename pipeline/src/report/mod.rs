//! Report runs: one report of the registry (`roomsight_queries::reports`) computed over the
//! catalog, its rows written into the lake as replaceable partitions, and exported for people
//! and programs (`roomsight report`, the scheduler, the dashboard).
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use chrono::NaiveDate;
//! use roomsight_pipeline::report::{run_report, write_outputs};
//! use roomsight_queries::reports::{ReportParams, Window};
//! use roomsight_queries::{Catalog, CatalogOptions};
//!
//! let catalog = Catalog::open("./lake", CatalogOptions::default()).await?;
//! let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
//! let run = run_report(&catalog, "usage_daily", &ReportParams::new(Window::Range { from: day, to: day })).await?;
//! let partitions = write_outputs(&catalog, &run).await?;
//! println!("{} rows in {} partitions", run.rows(), partitions.len());
//! # Ok(()) }
//! ```
//!
//! # Outputs in the lake
//! `reports/<report>/report_date=YYYY-MM-DD/part-0.parquet` for date-range reports (one
//! partition per local date of the rows; a period report writes one, named after the range's
//! last date) and `reports/<report>/as_of=<UTC moment, RFC 3339>/part-0.parquet` for snapshots.
//! Each partition is one file replaced by one atomic `put`; a re-run removes the partitions of
//! its dates that no longer have rows. Readers that list folders (the catalog's `ListingTable`,
//! DuckDB's `read_parquet('…/**/*.parquet', hive_partitioning = true)`) therefore never see a
//! partition half old and half new, nor twice; see [`output`] for the details and the one
//! non-atomic step (several dates are replaced one after another).
//!
//! The files keep the report's `date` column; the partition column is named `report_date` so
//! that Hive-partition readers do not see two `date` columns.

mod error;
pub mod export;
pub mod output;
mod run;

pub use error::{Error, Result};
pub use export::{Format, write_file, write_parquet_dir, write_text};
pub use output::{PartitionKey, WrittenPartition, write_partitions};
pub use run::{ReportRun, lookup, run_report};

use roomsight_queries::Catalog;

/// Writes a run's outputs into the catalog's lake, replacing its partitions, and re-registers
/// the report outputs so the catalog's later queries see them.
pub async fn write_outputs(catalog: &Catalog, run: &ReportRun) -> Result<Vec<WrittenPartition>> {
    let written = write_partitions(catalog.lake().store(), run).await?;
    catalog
        .refresh_outputs()
        .await
        .map_err(|source| Error::Query {
            report: run.report.name,
            source,
        })?;
    Ok(written)
}
