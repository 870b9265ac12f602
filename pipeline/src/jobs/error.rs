//! What can go wrong running the schedule (a report failing is not here: that is a failed
//! run, recorded, not an error of the scheduler).

use roomsight_ingest::lake::log::LogError;

/// Failures of the scheduler itself.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// The schedule file could not be read (the user's path, or the disk).
    #[error("could not read the schedule file {path}; check --schedule")]
    ReadSchedule {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The schedule file is not valid (the user's input).
    #[error("the schedule file {path} is not valid: {reason}")]
    BadSchedule {
        /// The file.
        path: String,
        /// What is wrong, and where.
        reason: String,
    },
    /// The lake's storage failed reading or writing run records (the environment).
    #[error("the lake's storage failed at {path}")]
    Store {
        /// The object.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// A run record is not a roomsight run record (the lake is damaged).
    #[error(
        "run record {path} is not valid ({source}); delete it, and the job's dates will be \
         recomputed at its next run"
    )]
    CorruptRecord {
        /// The object.
        path: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The lake's commit log could not be read (the environment, or a damaged lake).
    #[error("could not read the lake's commit log to find late data")]
    Log {
        /// The log's error.
        #[from]
        source: LogError,
    },
    /// A bug.
    #[error("internal error (a bug): {what}")]
    Internal {
        /// What failed.
        what: String,
    },
}

/// Results of the scheduler.
pub type Result<T, E = JobsError> = std::result::Result<T, E>;
