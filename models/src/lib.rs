//! # roomsight-models: finding peripherals that are about to fail
//!
//! Owns the anomaly model of `docs/incidents.md`:
//! - per-peripheral features in fixed windows (error-count rate, disconnects, metric levels and
//!   trends, time since a firmware change), judged against the peripheral's own history and its
//!   cohort (`kind, make, model, firmware`);
//! - training, saving and scoring with linfa, behind an alarm policy with hysteresis;
//! - evaluation against labelled faults (precision, recall, F1, detection delay), and scoring of
//!   any `timestamp,value` series from a CSV.
//!
//! It must not open incidents itself (it returns scores and alarms; `pipeline` owns the
//! lifecycle) and must not depend on Kafka.

pub mod alarm;
pub mod columns;
pub mod detector;
pub mod error;
pub mod eval;
pub mod features;
pub mod firmware;
pub mod intermittent;
pub mod mixture;
pub mod model;
pub mod robust;
pub mod scaling;
pub mod series;

pub use error::{Error, Result};
