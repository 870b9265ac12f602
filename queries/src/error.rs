//! The one error type of the SQL crate.

/// What went wrong opening the catalog or running SQL over it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The lake could not be opened (its URL, directory or storage).
    #[error("cannot open the lake for SQL")]
    Lake(#[from] roomsight_ingest::lake::store::LakeError),
    /// Registering a table or view in the session failed.
    #[error("cannot register `{name}` in the SQL catalog")]
    Register {
        /// The table or view.
        name: String,
        /// DataFusion's error.
        source: datafusion::error::DataFusionError,
    },
    /// A view's SQL text does not plan: a bug in the `.sql` file shipped with roomsight.
    #[error("the view `{name}` does not plan; this is a bug in its .sql file, please report it")]
    View {
        /// The view.
        name: String,
        /// DataFusion's error.
        source: datafusion::error::DataFusionError,
    },
    /// A query failed to plan or run.
    #[error("{context}")]
    Query {
        /// What was being run.
        context: String,
        /// DataFusion's error (its message points at the problem).
        source: datafusion::error::DataFusionError,
    },
}

/// The SQL crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
