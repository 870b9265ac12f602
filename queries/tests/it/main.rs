//! Integration tests of the SQL crate: the catalog and the report SQL over small lakes built
//! from hand-made telemetry, where the right answer is known by construction.

#![expect(clippy::unwrap_used, reason = "test fixtures")]

mod calendar;
mod call_quality_daily;
mod catalog;
mod device_reliability_daily;
mod fixture;
mod fleet;
mod health_overview;
mod incident_summary;
mod inventory;
mod peripheral_reliability;
mod server;
mod update_compliance;
mod update_impact;
mod usage_daily;
mod utilization_daily;
