//! # roomsight-queries: the SQL
//!
//! Owns every piece of SQL roomsight runs and the ways people reach it:
//! - the [`Catalog`]: one DataFusion session with the lake's tables (`heartbeats`,
//!   `peripheral_states`, …, `rooms`, `incident_events`, `dead_letters`), the views (`incidents`
//!   and the analyst views) and the report outputs, under the names of docs/cli.md;
//! - the [`functions`] the SQL needs beyond DataFusion's (per-row time zones, version order);
//! - one `.sql` file per report of `docs/reports.md` and per view, each opening with a comment that
//!   states what it computes, and the SQL of detection's rules and the dashboard ([`sql`]).
//!
//! It must not write telemetry, schedule jobs or decide incidents (that is `pipeline`), and it
//! reads the lake only through the table layout and schemas `roomsight-ingest` defines.
//!
//! ```no_run
//! # async fn example() -> Result<(), roomsight_queries::Error> {
//! use roomsight_queries::{Catalog, CatalogOptions};
//! let catalog = Catalog::open("./lake", CatalogOptions::default()).await?;
//! let rows = catalog
//!     .query("SELECT room_id, count(*) FROM heartbeats GROUP BY room_id", &[])
//!     .await?;
//! # Ok(()) }
//! ```

pub mod catalog;
pub mod error;
pub mod functions;
pub mod outputs;
pub mod reports;
pub mod server;
pub mod shell;
pub mod sql;
pub mod tables;
pub mod views;

/// The DataFusion this crate is built on, for callers that handle its batches and errors.
pub use datafusion;

pub use catalog::{Catalog, CatalogOptions};
pub use error::{Error, Result};
