//! What can go wrong running a report, writing its outputs or exporting its rows.

use roomsight_queries::reports::BindError;

/// A failed report operation, with whose fault it is in the message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No report has that name (the user's).
    #[error("there is no report `{name}`; the reports are: {known}")]
    UnknownReport {
        /// The name asked for.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// The window does not suit the report (the user's).
    #[error(transparent)]
    Bind(#[from] BindError),
    /// The report's SQL failed to plan or run (a bug in the SQL, or the lake's data).
    #[error("the report `{report}` failed")]
    Query {
        /// The report.
        report: &'static str,
        /// The catalog's error.
        source: roomsight_queries::Error,
    },
    /// Running the plan failed (the lake's files, memory).
    #[error("the report `{report}` failed while reading the lake")]
    Execute {
        /// The report.
        report: &'static str,
        /// DataFusion's error.
        source: datafusion::error::DataFusionError,
    },
    /// A daily report's rows lack the `date` column its kind promises (a bug in its SQL).
    #[error(
        "internal error: the report `{report}` is keyed by local date but its rows have no \
         non-null Date32 column `date`; this is a bug in its .sql file, please report it"
    )]
    NoDateColumn {
        /// The report.
        report: &'static str,
    },
    /// Arrow refused to split or convert the rows (a bug).
    #[error("internal error: the rows of `{report}` could not be prepared for output")]
    Arrow {
        /// The report.
        report: &'static str,
        /// Arrow's error.
        source: datafusion::arrow::error::ArrowError,
    },
    /// Encoding Parquet failed (a bug).
    #[error("internal error: the rows of `{report}` could not be encoded as Parquet")]
    Encode {
        /// The report.
        report: &'static str,
        /// The encoder's error.
        source: datafusion::parquet::errors::ParquetError,
    },
    /// The object store failed (the environment's).
    #[error("the lake's storage failed at {path}: check that the lake is reachable and writable")]
    Store {
        /// The object.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// Writing the export failed (the environment's: disk full, closed pipe, bad --out).
    #[error("cannot write the report to {target}")]
    Export {
        /// Where it was going.
        target: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A format needs an output path it was not given (the user's).
    #[error("the parquet format writes a directory: give --out DIR")]
    ParquetNeedsDir,
}

/// The report module's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
