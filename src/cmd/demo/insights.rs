//! The demo's second half: the room directory into the lake, every report of reports.md over
//! the simulated days, the bulk inventory export and the estate dashboard.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use roomsight_ingest::lake::directory::write_rooms;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::rooms::read_rooms;
use roomsight_pipeline::report::{self, Format};
use roomsight_queries::reports::{REPORTS, ReportParams, Window};
use roomsight_queries::{Catalog, CatalogOptions};

use crate::progress;

/// What the demo computed from its lake.
pub(crate) struct Insights {
    /// Rooms loaded into the room directory.
    pub(crate) rooms: usize,
    /// Per report: its name, rows and seconds.
    pub(crate) reports: Vec<(&'static str, usize, f64)>,
    /// The bulk inventory export (CSV).
    pub(crate) inventory: PathBuf,
    /// The dashboard page.
    pub(crate) dashboard: PathBuf,
}

/// Loads `rooms_csv`, runs every report (date-range ones over `from..=to`, snapshots as of
/// `as_of`) writing their outputs into the lake, exports the inventory as CSV and draws the
/// dashboard, both under `out_dir`.
pub(crate) async fn compute(
    lake: &Lake,
    rooms_csv: &Path,
    (from, to): (NaiveDate, NaiveDate),
    as_of: DateTime<Utc>,
    out_dir: &Path,
) -> anyhow::Result<Insights> {
    let file = std::fs::File::open(rooms_csv)
        .with_context(|| format!("could not open the demo's {}", rooms_csv.display()))?;
    let directory = read_rooms(std::io::BufReader::new(file))
        .with_context(|| format!("could not read the demo's {}", rooms_csv.display()))?;
    anyhow::ensure!(
        directory.rejected.is_empty(),
        "the simulator wrote {} invalid rows into {}: {}",
        directory.rejected.len(),
        rooms_csv.display(),
        directory.rejected[0]
    );
    let loaded = write_rooms(lake, &directory.rooms)
        .await
        .context("could not load the demo's room directory into the lake")?;

    let catalog = Catalog::open(lake.url(), CatalogOptions::default())
        .await
        .with_context(|| format!("could not open the demo lake at {} for SQL", lake.url()))?;
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("could not create {}", out_dir.display()))?;
    let bar = progress::steps(REPORTS.len() as u64, "reports");
    let mut reports = Vec::with_capacity(REPORTS.len());
    let mut inventory = None;
    for definition in REPORTS {
        bar.set_message(definition.name);
        let window = if definition.kind.is_range() {
            Window::Range { from, to }
        } else {
            Window::AsOf(as_of)
        };
        let run = report::run_report(&catalog, definition.name, &ReportParams::new(window))
            .await
            .with_context(|| format!("the demo's `{}` report failed", definition.name))?;
        report::write_outputs(&catalog, &run)
            .await
            .with_context(|| format!("could not write the `{}` report", definition.name))?;
        if definition.name == "inventory" {
            let path = out_dir.join("inventory.csv");
            report::write_file(&run, Format::Csv, &path)?;
            inventory = Some(path);
        }
        reports.push((definition.name, run.rows(), run.elapsed.as_secs_f64()));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let dashboard = roomsight_pipeline::dashboard::write(&catalog, &out_dir.join("dashboard"))
        .await
        .context("could not draw the demo's dashboard")?;
    Ok(Insights {
        rooms: loaded.rooms,
        reports,
        inventory: inventory.context("the report registry has no `inventory` report")?,
        dashboard,
    })
}
