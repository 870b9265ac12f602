//! The crate's error type: failures to read what the contract code was handed.
//!
//! Invalid *events* and invalid *rows* are not errors: they are data ([`crate::Rejection`],
//! [`crate::rooms::RowRejection`]) that the caller routes to dead letters or reports. An
//! [`Error`] means the input as a whole could not be read.

/// What went wrong reading contract input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading a file or stream failed (the environment's fault).
    #[error("could not read {what}")]
    Read {
        /// What was being read (a path or a description).
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The room directory's header lacks a required column (the input's fault).
    #[error(
        "rooms.csv header lacks the column `{column}`: the header must be \
         room_id,name,site,building,floor,capacity,country,timezone,room_group,ring"
    )]
    RoomsHeader {
        /// The missing column.
        column: &'static str,
    },
    /// The room directory is not CSV at all (the input's fault).
    #[error("rooms.csv could not be parsed as CSV")]
    RoomsCsv {
        /// The CSV reader's error.
        source: csv::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
