//! The incident store: append-only batches of incident events in the lake.
//!
//! Batch `N` is `<lake>/incidents/events/<N as 20 digits>.parquet`, written once with
//! put-if-absent, numbered from 1. A writer that decided its events from the store as of batch
//! `N` writes batch `N + 1`; if another writer took that number first, the put fails and the
//! writer decides again from the newer store ([`IncidentStore::append_after`]), so two writers
//! never give one incident two events with the same `seq`. Readers read every batch in order:
//! the history is small (one row per change of an incident).

use std::sync::Arc;

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use roomsight_ingest::lake::store::Lake;
use roomsight_queries::tables::INCIDENT_EVENTS_DIR;
use tracing::instrument;

use super::encode::{decode, encode};
use super::error::{IncidentError, Result};
use super::model::IncidentEvent;

/// Every incident event in the lake, with the number of the newest batch they came from.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The newest batch read (0 when the store is empty).
    pub batch: u64,
    /// Every event, in batch order and within a batch in write order.
    pub events: Vec<IncidentEvent>,
}

/// The lake's incident events.
#[derive(Clone, Debug)]
pub struct IncidentStore {
    store: Arc<dyn ObjectStore>,
}

impl IncidentStore {
    /// Opens the store of the lake at `url` (a directory or `file://` URL).
    pub fn open(url: &str) -> Result<IncidentStore> {
        let lake = Lake::open(url).map_err(|source| IncidentError::OpenLake { source })?;
        Ok(IncidentStore::new(Arc::clone(lake.store())))
    }

    /// The store over an object store rooted at the lake.
    pub fn new(store: Arc<dyn ObjectStore>) -> IncidentStore {
        IncidentStore { store }
    }

    /// The object store rooted at the lake (the feed keeps its progress there too).
    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The batch numbers present, ascending.
    async fn batches(&self) -> Result<Vec<u64>> {
        crate::batch_log::numbers(self.store.as_ref(), INCIDENT_EVENTS_DIR)
            .await
            .map_err(|source| IncidentError::List {
                dir: INCIDENT_EVENTS_DIR.trim_end_matches('/').to_string(),
                source,
            })
    }

    /// Reads every event.
    #[instrument(skip_all, fields(batches = tracing::field::Empty, events = tracing::field::Empty))]
    pub async fn read(&self) -> Result<Snapshot> {
        self.read_since(0).await
    }

    /// Reads the events of the batches after `after` (0 = all).
    pub async fn read_since(&self, after: u64) -> Result<Snapshot> {
        let numbers = self.batches().await?;
        let mut snapshot = Snapshot {
            batch: after,
            events: Vec::new(),
        };
        for n in numbers.into_iter().filter(|&n| n > after) {
            let path = batch_path(n);
            let bytes = match self.store.get(&path).await {
                Ok(r) => r.bytes().await,
                Err(e) => Err(e),
            }
            .map_err(|source| IncidentError::Read {
                path: path.to_string(),
                source,
            })?;
            let events = decode(bytes).map_err(|reason| IncidentError::Decode {
                path: path.to_string(),
                reason,
            })?;
            snapshot.events.extend(events);
            snapshot.batch = n;
        }
        tracing::Span::current()
            .record("batches", snapshot.batch)
            .record("events", snapshot.events.len());
        Ok(snapshot)
    }

    /// Writes `events` as batch `after + 1` if nobody has; `Ok(None)` if another writer took
    /// that number (decide again from a fresh [`read`](Self::read)), `Ok(Some(n))` on success.
    /// Nothing is written for an empty slice (`Ok(Some(after))`).
    #[instrument(skip_all, fields(batch = after + 1, events = events.len()))]
    pub async fn append_after(&self, after: u64, events: &[IncidentEvent]) -> Result<Option<u64>> {
        if events.is_empty() {
            return Ok(Some(after));
        }
        let bytes = encode(events).map_err(|source| IncidentError::Encode { source })?;
        let n = after + 1;
        match crate::batch_log::create(self.store.as_ref(), INCIDENT_EVENTS_DIR, n, bytes.into())
            .await
        {
            Ok(true) => Ok(Some(n)),
            Ok(false) => Ok(None),
            Err(source) => Err(IncidentError::Write {
                path: batch_path(n).to_string(),
                source,
            }),
        }
    }

    /// Appends events that do not depend on the store's state (their `seq`s are the caller's
    /// business) as the next free batch, retrying with the next number when one is taken.
    pub async fn append(&self, events: &[IncidentEvent]) -> Result<u64> {
        let mut after = self.batches().await?.last().copied().unwrap_or(0);
        for _ in 0..MAX_ATTEMPTS {
            if let Some(n) = self.append_after(after, events).await? {
                return Ok(n);
            }
            after += 1;
        }
        Err(IncidentError::Contended {
            attempts: MAX_ATTEMPTS,
        })
    }
}

/// How many times a writer retries after losing a batch number to another writer.
pub(crate) const MAX_ATTEMPTS: u32 = 20;

/// The path of batch `n`.
pub fn batch_path(n: u64) -> Path {
    crate::batch_log::path(INCIDENT_EVENTS_DIR, n)
}
