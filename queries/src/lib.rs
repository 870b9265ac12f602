//! # roomsight-queries: the SQL
//!
//! Owns every piece of SQL roomsight runs and the ways people reach it:
//! - one `.sql` file per report of `reports.md` and per analyst view, each opening with a
//!   comment that states what it computes;
//! - the catalog that registers the lake's tables (`heartbeats`, `peripheral_states`, …,
//!   `rooms`, `incidents`, `dead_letters`) and the report outputs in one DataFusion session;
//! - the analysts' SQL shell and the Postgres-wire server over that catalog.
//!
//! It must not write telemetry, schedule jobs or decide incidents (that is `pipeline`), and it
//! reads the lake only through the table layout and schemas `roomsight-ingest` defines.
//!
//! Status: the reports, catalog and SQL surfaces are built on the ingest issue (#3); until then
//! this crate holds no code, and the CLI offers none of its commands.
