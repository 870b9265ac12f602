//! Integration tests of roomsight-pipeline: the incident store in a real lake directory, and the
//! ticketing feed against real HTTP servers on 127.0.0.1.

#![expect(clippy::unwrap_used, reason = "test fixtures")]

#[path = "../../../ingest/tests/it/broker.rs"]
mod broker;
mod fake_servicenow;
mod feed_kafka;
mod feed_servicenow;
mod feed_webhook;
mod golden;
mod incident_store;
mod maintenance_feed;
