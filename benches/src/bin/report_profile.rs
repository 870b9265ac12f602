//! Where a report's time goes: `EXPLAIN ANALYZE` of one report of the registry over a lake, with
//! the operators' row counts and times, the same plan `roomsight report` runs.
//!
//! ```text
//! cargo run --release -p roomsight-benches --bin report_profile -- \
//!     --lake ~/.cache/roomsight/bench/reports-200-30/lake update_compliance --as-of 2026-10-30T12:00:00Z
//! ```

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Parser;
use datafusion::arrow::util::pretty::pretty_format_batches;
use roomsight_queries::reports::{self, ReportParams, Window};
use roomsight_queries::{Catalog, CatalogOptions};

/// One report's plan, run and measured.
#[derive(Debug, Parser)]
struct Args {
    /// The lake.
    #[arg(long, env = "ROOMSIGHT_LAKE")]
    lake: String,
    /// The report (a name of docs/reports.md).
    report: String,
    /// First local date, for date-range reports.
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last local date, for date-range reports.
    #[arg(long)]
    to: Option<NaiveDate>,
    /// The moment, for snapshot reports (RFC 3339).
    #[arg(long)]
    as_of: Option<DateTime<Utc>>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let Some(report) = reports::find(&args.report) else {
        bail!(
            "there is no report `{}`; use one of {}",
            args.report,
            reports::names().collect::<Vec<_>>().join(", ")
        );
    };
    // `bind` refuses a window of the wrong kind for the report, with the reason.
    let window = match (args.from, args.to, args.as_of) {
        (Some(from), Some(to), None) => Window::Range { from, to },
        (None, None, Some(at)) => Window::AsOf(at),
        _ => bail!("give --from and --to (date-range reports) or --as-of (snapshots)"),
    };
    let bound = report.bind(&ReportParams::new(window))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let plan = runtime.block_on(async {
        let catalog = Catalog::open(&args.lake, CatalogOptions::default()).await?;
        let df = catalog.query(report.sql, &bound).await?;
        let batches = df.explain(false, true)?.collect().await?;
        anyhow::Ok(pretty_format_batches(&batches)?.to_string())
    })?;
    println!("{plan}");
    Ok(())
}
