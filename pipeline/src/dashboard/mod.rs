//! The estate dashboard: one self-contained HTML page (`roomsight dashboard --out DIR`).
//!
//! The page holds six charts a person would rather look at than read — rooms by health status
//! per site, utilization by weekday × hour, meeting hours per day, the least reliable
//! peripheral models, incidents per day and update compliance per ring — drawn as inline SVG
//! by this module, with inline CSS and no script: it opens from a file, offline, in any
//! browser, and can be mailed or archived as it is. Every piece of text from the lake is
//! escaped ([`escape::escape`]).
//!
//! [`data::load`] fills a [`model::Dashboard`] through SQL over the catalog (the reports of
//! docs/reports.md where the registry has them); [`page::render`] draws it; [`write`] does both and
//! writes `<out>/index.html`. An empty lake gives a complete page whose charts say "no data".
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use roomsight_queries::{Catalog, CatalogOptions};
//! let catalog = Catalog::open("./lake", CatalogOptions::default()).await?;
//! let hours = roomsight_queries::reports::BusinessHours::default();
//! let page =
//!     roomsight_pipeline::dashboard::write(&catalog, std::path::Path::new("./out"), hours).await?;
//! println!("dashboard: {}", page.display());
//! # Ok(()) }
//! ```

pub mod data;
pub mod error;
pub mod escape;
pub mod model;
pub mod page;
pub mod svg;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use roomsight_queries::Catalog;
use roomsight_queries::reports::BusinessHours;

pub use error::{DashboardError, Result};
pub use model::Dashboard;

/// The page's file name inside the output directory.
pub const PAGE: &str = "index.html";

/// Reads the lake through `catalog` (reports with the deployment's business `hours`), draws the
/// page and writes `<out_dir>/index.html` (creating `out_dir`); returns the page's path.
pub async fn write(catalog: &Catalog, out_dir: &Path, hours: BusinessHours) -> Result<PathBuf> {
    let dashboard = data::load(catalog, hours).await?;
    write_page(&dashboard, out_dir)
}

/// Draws `dashboard` into `<out_dir>/index.html`, replacing it whole (written beside, then
/// renamed, so a browser never reads half a page).
pub fn write_page(dashboard: &Dashboard, out_dir: &Path) -> Result<PathBuf> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source: std::io::Error| DashboardError::Write { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let page = out_dir.join(PAGE);
    let partial = out_dir.join(format!(".{PAGE}.partial"));
    std::fs::write(&partial, page::render(dashboard)).map_err(io(&partial))?;
    std::fs::rename(&partial, &page).map_err(io(&page))?;
    Ok(page)
}
