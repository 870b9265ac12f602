//! The demo's second half: the room directory into the lake, detection with the built-in
//! model (incidents into the lake), every report of docs/reports.md over the simulated days, the
//! bulk inventory export and the estate dashboard.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use roomsight_ingest::lake::directory::write_rooms;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::rooms::read_rooms;
use roomsight_models::model::Model;
use roomsight_pipeline::dashboard::model::Reliability;
use roomsight_pipeline::detect::{DateRange, DetectConfig, detect_and_apply};
use roomsight_pipeline::incidents::{self, IncidentEvent, IncidentStore};
use roomsight_pipeline::report::{self, Format};
use roomsight_queries::reports::{BusinessHours, REPORTS, ReportParams, Window};
use roomsight_queries::{Catalog, CatalogOptions};

use crate::progress;

/// What the demo computed from its lake.
pub(crate) struct Insights {
    /// Rooms loaded into the room directory.
    pub(crate) rooms: usize,
    /// Incident events detection wrote.
    pub(crate) incident_events: usize,
    /// Every incident after detection (its latest event), newest opening first.
    pub(crate) incidents: Vec<IncidentEvent>,
    /// Per report: its name, rows and seconds.
    pub(crate) reports: Vec<(&'static str, usize, f64)>,
    /// The bulk inventory export (CSV).
    pub(crate) inventory: PathBuf,
    /// The dashboard page.
    pub(crate) dashboard: PathBuf,
    /// Room health, meetings lost and failure statistics over the simulated days.
    pub(crate) reliability: Reliability,
}

/// Loads `rooms_csv`, runs detection over `from..=to`, runs every report (date-range ones over `from..=to`, snapshots as of
/// `as_of`) writing their outputs into the lake, exports the inventory as CSV and draws the
/// dashboard, both under `out_dir`.
pub(crate) async fn compute(
    lake: &Lake,
    rooms_csv: &Path,
    (from, to): (NaiveDate, NaiveDate),
    as_of: DateTime<Utc>,
    business_hours: BusinessHours,
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
    let store = IncidentStore::new(Arc::clone(lake.store()));
    let bar = progress::spinner("detect");
    let (_, events) = detect_and_apply(
        &catalog,
        &store,
        DateRange { from, to },
        &Model::builtin(),
        &DetectConfig::default(),
    )
    .await
    .context("the demo's detection failed")?;
    let mut current = incidents::incidents(&store)
        .await
        .context("could not read the incidents detection wrote")?
        .latest;
    current.sort_by(|a, b| (b.opened_at, &a.incident_id).cmp(&(a.opened_at, &b.incident_id)));
    bar.finish_and_clear();

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
        let params = ReportParams {
            window,
            business_hours,
        };
        let run = report::run_report(&catalog, definition.name, &params)
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
    let reliability =
        roomsight_pipeline::dashboard::data::reliability(&catalog, from, to, business_hours)
            .await
            .context("could not read room health, meeting impact and failure statistics")?;
    let dashboard =
        roomsight_pipeline::dashboard::write(&catalog, &out_dir.join("dashboard"), business_hours)
            .await
            .context("could not draw the demo's dashboard")?;
    Ok(Insights {
        rooms: loaded.rooms,
        incident_events: events.len(),
        incidents: current,
        reports,
        inventory: inventory.context("the report registry has no `inventory` report")?,
        dashboard,
        reliability,
    })
}
