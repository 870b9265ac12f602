//! Failures of the maintenance window store and of adding or ending a window.

use chrono::{DateTime, Utc};

use crate::incidents::model::rfc3339;

fn show(t: &DateTime<Utc>) -> String {
    rfc3339(*t)
}

/// What went wrong with a maintenance window.
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    /// The lake could not be opened.
    #[error("could not open the lake for maintenance windows")]
    OpenLake {
        /// The lake's error.
        source: roomsight_ingest::lake::store::LakeError,
    },
    /// The window ends at or before its start.
    #[error(
        "the window ends ({}) at or before it starts ({}): give a --to after --from",
        show(.to),
        show(.from)
    )]
    EndsBeforeStart {
        /// Its start.
        from: DateTime<Utc>,
        /// Its end.
        to: DateTime<Utc>,
    },
    /// No window has this id.
    #[error("no maintenance window `{id}`: `roomsight maintenance list --all` shows every window")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// The window is already over (ran its course or was ended).
    #[error("maintenance window `{id}` is already over (it ended at {}): nothing to end", rfc3339(*.to))]
    AlreadyOver {
        /// The window.
        id: String,
        /// When it ended.
        to: DateTime<Utc>,
    },
    /// Listing the window files failed (the environment's fault).
    #[error("could not list the maintenance window files under {dir}")]
    List {
        /// The folder.
        dir: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// Reading one window file failed (the environment's fault).
    #[error("could not read the maintenance window file {path}")]
    Read {
        /// The file.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// A window file is not what `maintenance_window_events` describes.
    #[error(
        "the maintenance window file {path} is not valid ({reason}): it was not written by \
         roomsight or is damaged; move it out of the lake's maintenance_windows/ folder"
    )]
    Decode {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// Encoding window events as Parquet failed (a bug).
    #[error("could not encode maintenance window events as Parquet (a bug in roomsight)")]
    Encode {
        /// The writer's error.
        source: datafusion::parquet::errors::ParquetError,
    },
    /// Writing a window file failed (the environment's fault).
    #[error("could not write the maintenance window file {path}")]
    Write {
        /// The file.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// Other writers kept taking the next file number.
    #[error(
        "gave up writing a maintenance window after {attempts} attempts: other writers kept \
         taking the next file number; try again"
    )]
    Contended {
        /// Attempts made.
        attempts: u32,
    },
}

/// The maintenance module's result.
pub type Result<T, E = MaintenanceError> = std::result::Result<T, E>;
