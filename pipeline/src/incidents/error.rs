//! Failures of the incident store and the lifecycle.

/// What went wrong reading, deciding or writing incidents.
#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    /// The lake could not be opened.
    #[error("could not open the lake for incidents")]
    OpenLake {
        /// The lake's error.
        source: roomsight_ingest::lake::store::LakeError,
    },
    /// Listing the incident event files failed (the environment's fault).
    #[error("could not list the incident event files under {dir}")]
    List {
        /// The folder.
        dir: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// Reading one incident event file failed (the environment's fault).
    #[error("could not read the incident event file {path}")]
    Read {
        /// The file.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// An incident event file is not the Parquet `incident_events` schema describes.
    #[error(
        "the incident event file {path} is not valid ({reason}): it was not written by roomsight \
         or is damaged; move it out of the lake's incidents/events/ folder"
    )]
    Decode {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// Encoding a batch of events as Parquet failed (a bug).
    #[error("could not encode incident events as Parquet (a bug in roomsight)")]
    Encode {
        /// The writer's error.
        source: datafusion::parquet::errors::ParquetError,
    },
    /// Writing a batch of events failed (the environment's fault).
    #[error("could not write the incident event file {path}")]
    Write {
        /// The file.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// Other writers kept taking the batch numbers this writer tried.
    #[error(
        "gave up writing incident events after {attempts} attempts lost to concurrent writers; \
         run fewer detections on one lake at a time"
    )]
    Contended {
        /// How many attempts lost.
        attempts: u32,
    },
    /// No incident has the id given (the user's input).
    #[error("there is no incident `{id}`: `roomsight incidents list --all` shows the ids")]
    NotFound {
        /// The id.
        id: String,
    },
    /// The incident is already closed (the user's input).
    #[error("incident `{id}` is already closed")]
    AlreadyClosed {
        /// The id.
        id: String,
    },
    /// A person asked to close a system incident that is still open (the user's input).
    #[error(
        "incident `{id}` was opened by detection and is still open: a system incident must be \
         resolved before it is closed; it resolves by itself once its condition has been clear \
         for 15 minutes (run `roomsight detect`), then it can be closed"
    )]
    StillOpen {
        /// The id.
        id: String,
    },
    /// A customer asked to open an incident that is already open for the same key.
    #[error(
        "an incident is already open for this {kind} on device `{device_id}`: `{id}`; add to \
         that one instead"
    )]
    AlreadyOpen {
        /// The open incident's id.
        id: String,
        /// Its kind.
        kind: String,
        /// Its device.
        device_id: String,
    },
}

/// The incidents module's result type.
pub type Result<T, E = IncidentError> = std::result::Result<T, E>;
