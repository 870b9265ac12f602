//! What can go wrong drawing the dashboard.

/// Failures of the dashboard.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// The update gate's rows could not be computed.
    #[error("the update_impact report failed: {reason}")]
    Gate {
        /// What failed.
        reason: String,
    },
    /// A query over the catalog failed to plan.
    #[error("the dashboard's {what} query failed")]
    Query {
        /// Which chart or figure.
        what: String,
        /// The SQL crate's error (boxed: it is large and rare).
        source: Box<roomsight_queries::Error>,
    },
    /// A query failed while running (the lake's files, or memory).
    #[error("running the dashboard's {what} query failed")]
    Collect {
        /// Which chart or figure.
        what: String,
        /// DataFusion's error (boxed: it is large and rare).
        source: Box<datafusion::error::DataFusionError>,
    },
    /// A query returned no column of this name (a bug: the SQL and the code disagree).
    #[error("internal error (a bug): a dashboard query has no column `{column}`")]
    Column {
        /// The column.
        column: String,
    },
    /// A column has a type that cannot be read as expected (a bug).
    #[error("internal error (a bug): the dashboard cannot read column `{column}`")]
    Cast {
        /// The column.
        column: String,
        /// Arrow's error.
        source: datafusion::arrow::error::ArrowError,
    },
    /// Writing the page failed (the output directory: its path, permissions or disk).
    #[error("could not write the dashboard to {path}; check --out and free space")]
    Write {
        /// The file or directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A bug.
    #[error("internal error (a bug): {what}")]
    Internal {
        /// What failed.
        what: String,
    },
}

/// Results of the dashboard.
pub type Result<T, E = DashboardError> = std::result::Result<T, E>;
