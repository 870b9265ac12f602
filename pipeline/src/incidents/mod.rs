//! Incidents: one problem with one room system or peripheral, from detection to closing.
//!
//! - [`model`]: kinds, severities, states, the incident event (one row of `incident_events`)
//!   and the [`Observation`] detection hands over;
//! - [`store`]: the append-only event batches in `<lake>/incidents/events/`;
//! - [`timeline`]: the lifecycle rules of docs/incidents.md as a pure function;
//! - [`lifecycle`]: those rules against the store ([`apply`], [`apply_observed`],
//!   [`open_customer`], [`close`]);
//! - [`business_days`]: Monday–Friday in the room's time zone, for auto-closing.
//!
//! ```no_run
//! # async fn example() -> Result<(), roomsight_pipeline::incidents::IncidentError> {
//! use roomsight_pipeline::incidents::{IncidentStore, Kind, Observation, Severity, apply};
//! let store = IncidentStore::open("./lake")?;
//! let now = chrono::Utc::now();
//! let seen = Observation {
//!     kind: Kind::DeviceOffline,
//!     severity: Severity::Critical,
//!     room_id: "room-1".into(),
//!     device_id: "dev-1".into(),
//!     peripheral_id: None,
//!     start: now - chrono::Duration::minutes(30),
//!     end: None, // still offline
//!     summary: "no heartbeat for 30 minutes".into(),
//!     details: serde_json::Map::new(),
//! };
//! let events = apply(&store, vec![seen], &|_room| chrono_tz::UTC, now).await?;
//! assert_eq!(events.len(), 1); // opened
//! # Ok(()) }
//! ```

pub mod business_days;
mod encode;
mod error;
pub mod lifecycle;
pub mod model;
pub mod store;
pub mod timeline;

pub use error::{IncidentError, Result};
pub use lifecycle::{
    CustomerReport, apply, apply_observed, close, history, incidents, open_customer,
};
pub use model::{
    EventKind, IncidentEvent, IncidentKey, Kind, Observation, Origin, Severity, State, incident_id,
};
pub use store::IncidentStore;
pub use timeline::Incidents;
