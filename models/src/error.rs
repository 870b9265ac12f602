//! The crate's error type: one variant per failed operation, with its context.

use std::path::PathBuf;

/// What went wrong in feature extraction, training, scoring or evaluation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A feature query failed in DataFusion (a bug in the SQL or an unreadable lake).
    #[error("feature query `{query}` failed")]
    Query {
        /// Which query.
        query: &'static str,
        /// The engine's error.
        #[source]
        source: datafusion::error::DataFusionError,
    },
    /// A query result did not have the expected column (a bug: the SQL and the reader disagree).
    #[error("query `{query}` returned no usable column `{column}` (internal error)")]
    Column {
        /// Which query.
        query: &'static str,
        /// Which column.
        column: &'static str,
    },
    /// There was not enough data to fit something.
    #[error(
        "too little data to fit {what}: {rows} rows, at least {needed} needed; train on a longer or larger lake"
    )]
    TooLittleData {
        /// What was being fitted.
        what: &'static str,
        /// Rows available.
        rows: usize,
        /// Rows needed.
        needed: usize,
    },
    /// linfa could not fit the mixture.
    #[error("fitting the mixture failed: {reason}")]
    Fit {
        /// linfa's reason.
        reason: String,
    },
    /// A model file could not be read.
    #[error("cannot read the model file {path}")]
    ReadModel {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A model file was not a model of this version.
    #[error("{path} is not a roomsight model file (train one with `roomsight models train`)")]
    ParseModel {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// A model file could not be written.
    #[error("cannot write the model file {path}")]
    WriteModel {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV input could not be read or had a bad row.
    #[error("{path}: line {line}: {reason}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 when the file itself failed).
        line: u64,
        /// What was wrong and what is expected.
        reason: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
