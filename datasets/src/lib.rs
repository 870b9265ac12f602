//! # roomsight-datasets: the fleet simulator
//!
//! This crate owns the simulated estate roomsight is developed and judged against:
//! - a seeded, deterministic fleet of meeting rooms at sites in several time zones, each with a
//!   Teams Rooms system (Windows or Android) and its peripherals ([`Fleet`], [`estate`]);
//! - their telemetry, every event type of the v1 contract at its documented cadence: heartbeats
//!   every minute, peripheral states every five minutes and at each change, bookings and
//!   meetings in local business hours, ring-by-ring update rollouts, enrollment and log lines;
//! - injected faults with ground truth ([`Fault`], `faults.csv`), for the anomaly model to be
//!   measured against, and noise on healthy peripherals so that it has to earn its score:
//!   transient dips and error bursts, benign noise bursts, models that report coarsely (flat
//!   metrics), leave a metric out or keep their error counter at 0, and drop-outs while a
//!   peripheral's own firmware is flashed;
//! - sample directories: `rooms.csv`, `events.ndjson`, `faults.csv`, `releases.csv` (every
//!   rollout, the bad ones marked) ([`write_to_dir`]).
//!
//! The same [`SimConfig`] always gives byte-identical output: the simulator has its own random
//! number generator, derives an independent stream per room and purpose, never iterates a hash
//! map into output, and merges parallel work in a fixed order.
//!
//! It must not print, read the clock into its output, depend on Kafka or DataFusion, or hold a
//! whole run in memory: events are generated an hour of simulated time at a time and handed to
//! a sink the caller chooses (a file, a Kafka producer, a counter).
//!
//! ```
//! use chrono::NaiveDate;
//! use roomsight_datasets::{Fleet, SimConfig};
//!
//! let start = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
//! let fleet = Fleet::new(&SimConfig::new(3, 1, start, 7)).unwrap();
//! let mut first = None;
//! let summary = fleet
//!     .emit(|line: &[u8]| -> Result<(), std::convert::Infallible> {
//!         first.get_or_insert_with(|| line.to_vec());
//!         Ok(())
//!     })
//!     .unwrap();
//! assert!(summary.lines > 3 * 1400);
//! let first = String::from_utf8(first.unwrap()).unwrap();
//! assert!(first.contains(r#""type":"enrollment""#));
//! ```

mod calendar;
mod call;
pub mod catalog;
mod clock;
mod config;
mod device;
mod emit;
mod error;
pub mod estate;
mod faults;
mod fleet;
mod ids;
mod logs;
mod output;
mod peripheral;
mod plan;
mod power;
mod rng;
mod room_stream;
mod summary;
mod updates;

pub use config::{DEFAULT_FAULT_RATE, MAX_DAYS, MAX_ROOMS, SimConfig};
pub use emit::Progress;
pub use error::{Error, Result};
pub use estate::{Peripheral, Ring, Room, RoomSystem};
pub use faults::{Fault, FaultType};
pub use fleet::Fleet;
pub use output::{FAULTS_HEADER, RELEASES_HEADER, ROOMS_HEADER, write_to_dir};
pub use summary::Summary;
pub use updates::ReleaseRow;
