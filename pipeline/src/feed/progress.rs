//! A sink's durable progress: per incident, the last event delivered, the ticket it maps to,
//! and whether it is parked.
//!
//! One JSON document per sink at `<lake>/_roomsight/feed/<sink>.json`, replaced whole after each
//! confirmed delivery (an atomic put: a reader sees the old or the new document, never half).
//! Losing it is safe for ServiceNow (tickets are found again by `correlation_id`) and makes
//! Kafka and webhook receivers see duplicates, which they drop by `event_id`.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};

use super::error::{FeedError, Result};

/// The folder of the sinks' progress documents.
pub const FEED_DIR: &str = "_roomsight/feed";

/// A ServiceNow ticket an incident maps to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The record's `sys_id`.
    pub sys_id: String,
    /// The ticket number people see (`INC0010001`).
    pub number: String,
}

/// An incident whose next event a sink refused; its later events wait behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parked {
    /// The refused event's sequence number.
    pub seq: i64,
    /// Why (the sink's answer).
    pub error: String,
    /// When it was parked.
    pub at: DateTime<Utc>,
}

/// One incident's progress at one sink.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentProgress {
    /// The last event delivered (0: none).
    pub delivered_seq: i64,
    /// The ServiceNow ticket, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<Ticket>,
    /// Set while the incident is parked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parked: Option<Parked>,
}

/// Everything one sink has delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkProgress {
    /// Per incident id.
    pub incidents: BTreeMap<String, IncidentProgress>,
}

impl SinkProgress {
    /// The path of a sink's document.
    pub fn path(sink: &str) -> Path {
        Path::from(format!("{FEED_DIR}/{sink}.json"))
    }

    /// Loads a sink's progress (empty when it has delivered nothing yet).
    pub async fn load(store: &Arc<dyn ObjectStore>, sink: &str) -> Result<SinkProgress> {
        let path = Self::path(sink);
        let bytes = match store.get(&path).await {
            Ok(r) => r.bytes().await,
            Err(object_store::Error::NotFound { .. }) => return Ok(SinkProgress::default()),
            Err(e) => Err(e),
        }
        .map_err(|source| FeedError::ReadProgress {
            path: path.to_string(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|source| FeedError::DecodeProgress {
            path: path.to_string(),
            source,
        })
    }

    /// Replaces a sink's document atomically.
    pub async fn save(&self, store: &Arc<dyn ObjectStore>, sink: &str) -> Result<()> {
        let path = Self::path(sink);
        let body = serde_json::to_vec_pretty(self).map_err(|source| FeedError::DecodeProgress {
            path: path.to_string(),
            source,
        })?;
        store
            .put(&path, PutPayload::from(body))
            .await
            .map_err(|source| FeedError::WriteProgress {
                path: path.to_string(),
                source,
            })?;
        Ok(())
    }

    /// The progress of one incident, created empty when missing.
    pub fn incident(&mut self, id: &str) -> &mut IncidentProgress {
        self.incidents.entry(id.to_string()).or_default()
    }

    /// Forgets every parked incident, so the next delivery tries them again.
    pub fn unpark_all(&mut self) -> usize {
        let mut n = 0;
        for p in self.incidents.values_mut() {
            if p.parked.take().is_some() {
                n += 1;
            }
        }
        n
    }
}
