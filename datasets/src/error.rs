//! The crate's error type: a configuration that cannot be simulated, or output that could not
//! be written.

use std::path::PathBuf;

/// What went wrong simulating a fleet.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting is out of its range (the caller's fault); the message says what is allowed.
    #[error("invalid simulation setting `{setting}`: {reason}")]
    InvalidConfig {
        /// The setting at fault (`rooms`, `duplicates`, …).
        setting: &'static str,
        /// What is allowed and what was given.
        reason: String,
    },
    /// Creating or writing an output file failed (the environment's fault).
    #[error("could not write {}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Writing a CSV file failed (the environment's fault).
    #[error("could not write {what}")]
    Csv {
        /// Which CSV (`rooms.csv`, `faults.csv`).
        what: &'static str,
        /// The CSV writer's error.
        source: csv::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
