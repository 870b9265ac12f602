//! The room directory in the lake: one Parquet file, `rooms/rooms.parquet`, replaced whole by
//! each `roomsight rooms load`.
//!
//! The directory is small (one row per room) and always read whole, so it is one file with the
//! schema [`Table::Rooms`](crate::schema::Table::Rooms), sorted by `room_id`. It is replaced
//! with one `put` of the whole file, which every object store makes atomic (the local store
//! writes a temporary file beside it and renames it into place): a query sees the old directory
//! or the new one, never a mix, and no commit log is needed.
//!
//! ```
//! # use roomsight_ingest::lake::directory::rooms_batch;
//! # use roomsight_ingest::rooms::read_rooms;
//! let csv = "room_id,name,site,building,floor,capacity,country,timezone,room_group,ring\n\
//!            r1,Board,HQ,,,12,DE,Europe/Berlin,board,pilot\n";
//! let directory = read_rooms(csv.as_bytes()).unwrap();
//! let batch = rooms_batch(&directory.rooms).unwrap();
//! assert_eq!(batch.num_rows(), 1);
//! ```

use std::sync::Arc;

use arrow_array::{ArrayRef, Int32Array, RecordBatch, StringArray};
use arrow_schema::ArrowError;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
use parquet::errors::ParquetError;

use super::encode::{self, EncodeOptions};
use super::store::Lake;
use crate::rooms::Room;
use crate::schema::Table;

/// Where the directory lives, relative to the lake's root (the catalog's `rooms` table reads
/// the folder `rooms/`).
pub const ROOMS_PATH: &str = "rooms/rooms.parquet";

/// Failures writing the directory.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The rooms could not be turned into Arrow rows (a bug: they were validated).
    #[error("internal error: the room directory does not fit its Arrow schema; please report it")]
    Rows {
        /// Arrow's error.
        source: ArrowError,
    },
    /// The rows could not be encoded as Parquet (a bug).
    #[error("internal error: the room directory could not be encoded as Parquet; please report it")]
    Encode {
        /// The encoder's error.
        source: ParquetError,
    },
    /// The store refused the file.
    #[error("cannot write the room directory to {path}: check that the lake is writable")]
    Store {
        /// The object.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
}

/// What a load wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedDirectory {
    /// The object written, relative to the lake's root.
    pub path: String,
    /// Rooms in it.
    pub rooms: usize,
    /// Bytes of the Parquet file.
    pub bytes: usize,
}

/// The rooms as one batch of [`Table::Rooms`]'s schema, in the given order.
pub fn rooms_batch(rooms: &[Room]) -> Result<RecordBatch, ArrowError> {
    let text = |f: fn(&Room) -> Option<&str>| -> ArrayRef {
        Arc::new(rooms.iter().map(f).collect::<StringArray>())
    };
    let capacity = rooms
        .iter()
        .map(|r| i32::try_from(r.capacity).map_err(|e| ArrowError::CastError(e.to_string())))
        .collect::<Result<Vec<i32>, ArrowError>>()?;
    RecordBatch::try_new(
        Table::Rooms.schema(),
        vec![
            text(|r| Some(r.room_id.as_str())),
            text(|r| Some(r.name.as_str())),
            text(|r| Some(r.site.as_str())),
            text(|r| r.building.as_deref()),
            text(|r| r.floor.as_deref()),
            Arc::new(Int32Array::from(capacity)),
            text(|r| Some(r.country.as_str())),
            text(|r| Some(r.timezone.as_str())),
            text(|r| Some(r.room_group.as_str())),
            text(|r| Some(r.ring.as_str())),
        ],
    )
}

/// Replaces the lake's room directory with `rooms` (already validated, ids unique), atomically.
#[tracing::instrument(skip_all, fields(rooms = rooms.len(), bytes))]
pub async fn write_rooms(lake: &Lake, rooms: &[Room]) -> Result<LoadedDirectory, DirectoryError> {
    let batch = rooms_batch(rooms).map_err(|source| DirectoryError::Rows { source })?;
    let batch =
        encode::sort(Table::Rooms, &batch).map_err(|source| DirectoryError::Rows { source })?;
    let file = encode::encode(Table::Rooms, &[batch], &EncodeOptions::default())
        .map_err(|source| DirectoryError::Encode { source })?;
    let bytes = file.len();
    tracing::Span::current().record("bytes", bytes);
    let path = Path::from(ROOMS_PATH);
    lake.store()
        .put(&path, PutPayload::from(file))
        .await
        .map_err(|source| DirectoryError::Store {
            path: ROOMS_PATH.into(),
            source,
        })?;
    Ok(LoadedDirectory {
        path: ROOMS_PATH.into(),
        rooms: rooms.len(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use object_store::ObjectStoreExt;

    use super::*;
    use crate::rooms::read_rooms;

    const CSV: &str = "room_id,name,site,building,floor,capacity,country,timezone,room_group,ring\n\
                       r2,Huddle,HQ,B1,3,4,DE,Europe/Berlin,huddles,general\n\
                       r1,Board,HQ,,,12,US,America/New_York,board,pilot\n";

    async fn read_back(lake: &Lake) -> Vec<RecordBatch> {
        let bytes: Bytes = lake
            .store()
            .get(&Path::from(ROOMS_PATH))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        encode::decode(bytes, None).unwrap()
    }

    #[tokio::test]
    async fn a_load_writes_the_rooms_sorted_and_a_second_load_replaces_them() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(&dir.path().display().to_string()).unwrap();
        let rooms = read_rooms(CSV.as_bytes()).unwrap().rooms;
        let loaded = write_rooms(&lake, &rooms).await.unwrap();
        assert_eq!((loaded.path.as_str(), loaded.rooms), (ROOMS_PATH, 2));

        let batches = read_back(&lake).await;
        assert_eq!(batches.len(), 1);
        let batch = &batches[0];
        assert_eq!(batch.schema().fields(), Table::Rooms.schema().fields());
        let ids = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(ids.iter().flatten().collect::<Vec<_>>(), ["r1", "r2"]);
        let building = batch
            .column(3)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(building.iter().collect::<Vec<_>>(), [None, Some("B1")]);

        write_rooms(&lake, &rooms[..1]).await.unwrap();
        let again = read_back(&lake).await;
        assert_eq!(again.iter().map(RecordBatch::num_rows).sum::<usize>(), 1);
    }
}
