//! The report runner the binary uses: the registry's report over the catalog, its partitions
//! replaced in the lake ([`crate::report`]).

use roomsight_queries::Catalog;
use roomsight_queries::reports::{self, BusinessHours, ReportParams};

use super::schedule::Schedule;
use super::scheduler::{ReportRunner, RunFailure, RunOutput};
use super::window::Window;

/// Runs reports over one catalog (its tables are listed at each query, so a long-lived runner
/// sees new data) and writes their outputs into the catalog's lake, with the deployment's
/// business hours (the same as `roomsight report` uses, so neither overwrites the other's
/// outputs with figures for other hours).
#[derive(Clone, Debug)]
pub struct CatalogRunner {
    catalog: Catalog,
    business_hours: BusinessHours,
}

impl CatalogRunner {
    /// A runner over `catalog` with the default business hours (08:00–18:00).
    pub fn new(catalog: Catalog) -> Self {
        CatalogRunner {
            catalog,
            business_hours: BusinessHours::default(),
        }
    }

    /// The same runner computing reports with `hours`.
    pub fn with_business_hours(self, hours: BusinessHours) -> Self {
        CatalogRunner {
            business_hours: hours,
            ..self
        }
    }

    fn params(&self, window: Window) -> ReportParams {
        ReportParams {
            window: match window {
                Window::Dates { from, to } => reports::Window::Range { from, to },
                Window::AsOf(at) => reports::Window::AsOf(at),
            },
            business_hours: self.business_hours,
        }
    }
}

impl ReportRunner for CatalogRunner {
    async fn run(&self, report: &str, window: Window) -> Result<RunOutput, RunFailure> {
        let run = crate::report::run_report(&self.catalog, report, &self.params(window)).await?;
        let written = crate::report::write_outputs(&self.catalog, &run).await?;
        Ok(RunOutput {
            rows: run.rows() as u64,
            partitions: written.len() as u64,
        })
    }
}

impl Schedule {
    /// Checks every job against the report registry: the report exists, and its window is a
    /// date range for range reports and `snapshot` for snapshot reports.
    pub fn check_reports(&self) -> Result<(), String> {
        for job in &self.jobs {
            let Some(report) = reports::find(&job.report) else {
                return Err(format!(
                    "job `{}`: there is no report `{}`; the reports are {}",
                    job.name,
                    job.report,
                    reports::names().collect::<Vec<_>>().join(", ")
                ));
            };
            if report.kind.is_range() != job.window.is_range() {
                return Err(format!(
                    "job `{}`: `{}` is a {} report, so its window must be {}",
                    job.name,
                    job.report,
                    if report.kind.is_range() {
                        "date-range"
                    } else {
                        "snapshot"
                    },
                    if report.kind.is_range() {
                        "`yesterday`, `today` or `last N days`"
                    } else {
                        "`snapshot`"
                    }
                ));
            }
        }
        Ok(())
    }
}
