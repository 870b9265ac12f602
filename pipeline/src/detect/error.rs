//! Detection's errors: one variant per failed step, with the rule or stage it belongs to.

/// What went wrong while detecting.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// A rule's query failed to plan (a bug in its SQL) or to run (an unreadable lake).
    #[error("the `{rule}` detection query failed")]
    Query {
        /// The rule.
        rule: &'static str,
        /// The catalog's error.
        #[source]
        source: roomsight_queries::Error,
    },
    /// Reading a rule's query result failed.
    #[error("reading the `{rule}` detection query's result failed")]
    Collect {
        /// The rule.
        rule: &'static str,
        /// DataFusion's error.
        #[source]
        source: datafusion::error::DataFusionError,
    },
    /// The anomaly model failed (features, scoring or columns).
    #[error("the anomaly model failed")]
    Model(#[from] roomsight_models::Error),
    /// The incident lifecycle could not be applied.
    #[error("applying the detected conditions to the incidents failed")]
    Incidents(#[from] crate::incidents::IncidentError),
}

/// Detection's result.
pub type Result<T, E = DetectError> = std::result::Result<T, E>;
