//! # roomsight-ingest: the telemetry contract in code
//!
//! This crate owns what crosses the boundary into the lake:
//! - the typed v1 events ([`Event`], [`Body`]) and their closed vocabularies ([`vocab`]);
//! - [`validate`], a pure function from message bytes to a valid event or a [`Rejection`]
//!   carrying the contract's reason name and the field at fault;
//! - the personal-data scrubber for `log` messages ([`scrub`]);
//! - the room directory (`rooms.csv`) parser ([`rooms`]);
//! - NDJSON line framing for file backfills ([`ndjson`]);
//! - the Arrow schema of every lake table ([`schema`]).
//!
//! The contract modules (`event`, `vocab`, `validate`, `scrub`, `rooms`, `schema`, …) use no
//! Kafka or DataFusion types and do no I/O beyond reading what they are handed, so the simulator
//! and the models use the contract without the machinery around it; the Kafka I/O lives in
//! [`kafka`]. Nothing in the crate prints, installs a tracing subscriber or builds a runtime.
//!
//! ```
//! use roomsight_ingest::{validate, Reason, Timestamp};
//!
//! let now = Timestamp::parse_rfc3339("2026-11-24T10:00:00Z").unwrap();
//! let msg = br#"{"schema":"roomsight.telemetry/v1","type":"heartbeat","event_id":"e1",
//!   "ts":"2026-11-24T09:15:00Z","device_id":"dev-1","room_id":"room-1",
//!   "platform":"windows","app_version":"5.2","os_version":"10.0.22631",
//!   "teams_signed_in":true,"exchange_signed_in":true,"cpu_pct":150,"mem_pct":40,
//!   "uptime_s":3600}"#;
//! let rejection = validate(msg, now).unwrap_err();
//! assert_eq!(rejection.reason, Reason::OutOfRange);
//! assert_eq!(rejection.field.as_deref(), Some("cpu_pct"));
//! ```

pub mod country;
mod error;
pub mod event;
pub mod kafka;
pub mod lake;
pub mod metrics;
pub mod ndjson;
pub mod reason;
pub mod rooms;
pub mod run;
pub mod schema;
pub mod scrub;
pub mod tally;
pub mod timestamp;
mod validate;
mod validate_id;
pub mod vocab;
pub mod writer;

pub use error::{Error, Result};
pub use event::{
    Body, Booking, Enrollment, Event, Heartbeat, Log, Meeting, Metrics, PeripheralState, Update,
};
pub use reason::{Reason, Rejection};
pub use timestamp::Timestamp;
pub use validate::{message_key, validate};
pub use validate_id::is_valid_id;
