//! Failures of the feed as a whole. A refused or failed delivery of one event is not an error
//! here: it is a [`Delivery`](super::sink::Delivery) outcome that parks or retries.

/// What stops the feed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Reading the incident events failed.
    #[error("could not read the incident events to deliver")]
    Events {
        /// The store's error.
        #[from]
        source: crate::incidents::IncidentError,
    },
    /// Reading a sink's progress failed (the environment's fault).
    #[error("could not read the feed progress {path}")]
    ReadProgress {
        /// The document.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// A sink's progress document is not valid JSON of the expected shape.
    #[error(
        "the feed progress {path} is damaged; delete it to start over (ServiceNow tickets are \
         found again by correlation_id; Kafka and webhook receivers see duplicates)"
    )]
    DecodeProgress {
        /// The document.
        path: String,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// Writing a sink's progress failed (the environment's fault).
    #[error("could not write the feed progress {path}")]
    WriteProgress {
        /// The document.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// The sink refused our credentials (the configuration's fault); the sink stops.
    #[error(
        "{sink} refused roomsight's credentials (HTTP {status}): check the configured \
         user/password or token and the account's roles; nothing more is sent to {sink} until \
         this is fixed"
    )]
    Unauthorized {
        /// The sink.
        sink: &'static str,
        /// 401 or 403.
        status: u16,
    },
    /// A sink could not be set up from its configuration (the configuration's fault).
    #[error("{sink} is misconfigured: {reason}")]
    Config {
        /// The sink.
        sink: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
}

/// The feed's result type.
pub type Result<T, E = FeedError> = std::result::Result<T, E>;
