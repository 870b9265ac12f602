//! The maintenance window store: append-only batches of window events in the lake.
//!
//! Batch `N` is `<lake>/maintenance_windows/<N as 20 digits>.parquet`, written once with
//! put-if-absent; a writer that loses a number to another writer takes the next one. Events do
//! not depend on each other's order beyond "created before ended", which one writer's batch
//! keeps, so no read-decide-write loop is needed (unlike incidents).

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use datafusion::arrow::array::builder::{StringBuilder, TimestampMicrosecondBuilder};
use datafusion::arrow::array::{
    Array, ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use roomsight_ingest::lake::store::Lake;
use roomsight_queries::tables::{MAINTENANCE_WINDOWS_DIR, maintenance_window_events_schema};

use super::error::{MaintenanceError, Result};
use super::model::{Window, WindowEvent, WindowEventKind};

/// How many times a writer takes the next number after losing one to another writer.
const MAX_ATTEMPTS: u32 = 20;

/// The lake's maintenance window events.
#[derive(Clone, Debug)]
pub struct MaintenanceStore {
    store: Arc<dyn ObjectStore>,
}

impl MaintenanceStore {
    /// Opens the store of the lake at `url`.
    pub fn open(url: &str) -> Result<MaintenanceStore> {
        let lake = Lake::open(url).map_err(|source| MaintenanceError::OpenLake { source })?;
        Ok(MaintenanceStore::new(Arc::clone(lake.store())))
    }

    /// The store over an object store rooted at the lake.
    pub fn new(store: Arc<dyn ObjectStore>) -> MaintenanceStore {
        MaintenanceStore { store }
    }

    async fn batches(&self) -> Result<Vec<u64>> {
        crate::batch_log::numbers(self.store.as_ref(), MAINTENANCE_WINDOWS_DIR)
            .await
            .map_err(|source| MaintenanceError::List {
                dir: MAINTENANCE_WINDOWS_DIR.trim_end_matches('/').to_string(),
                source,
            })
    }

    /// Every event, in batch order.
    pub async fn read(&self) -> Result<Vec<WindowEvent>> {
        let mut out = Vec::new();
        for n in self.batches().await? {
            let path = batch_path(n);
            let bytes = match self.store.get(&path).await {
                Ok(r) => r.bytes().await,
                Err(e) => Err(e),
            }
            .map_err(|source| MaintenanceError::Read {
                path: path.to_string(),
                source,
            })?;
            decode(bytes, &mut out).map_err(|reason| MaintenanceError::Decode {
                path: path.to_string(),
                reason,
            })?;
        }
        Ok(out)
    }

    /// Appends `events` as the next free batch; returns its number.
    pub async fn append(&self, events: &[WindowEvent]) -> Result<u64> {
        let bytes =
            Bytes::from(encode(events).map_err(|source| MaintenanceError::Encode { source })?);
        let mut n = self.batches().await?.last().copied().unwrap_or(0) + 1;
        for _ in 0..MAX_ATTEMPTS {
            let created = crate::batch_log::create(
                self.store.as_ref(),
                MAINTENANCE_WINDOWS_DIR,
                n,
                bytes.clone(),
            )
            .await
            .map_err(|source| MaintenanceError::Write {
                path: batch_path(n).to_string(),
                source,
            })?;
            if created {
                return Ok(n);
            }
            n += 1;
        }
        Err(MaintenanceError::Contended {
            attempts: MAX_ATTEMPTS,
        })
    }
}

/// The path of batch `n`.
fn batch_path(n: u64) -> Path {
    crate::batch_log::path(MAINTENANCE_WINDOWS_DIR, n)
}

fn encode(events: &[WindowEvent]) -> Result<Vec<u8>, datafusion::parquet::errors::ParquetError> {
    let n = events.len();
    let strings = |f: &dyn Fn(&WindowEvent) -> Option<String>| -> ArrayRef {
        let mut b = StringBuilder::with_capacity(n, n * 16);
        for e in events {
            b.append_option(f(e));
        }
        Arc::new(b.finish())
    };
    let times = |f: &dyn Fn(&WindowEvent) -> DateTime<Utc>| -> ArrayRef {
        let mut b = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
        for e in events {
            b.append_value(f(e).timestamp_micros());
        }
        Arc::new(b.finish())
    };
    let columns: Vec<ArrayRef> = vec![
        strings(&|e| Some(e.window.window_id.clone())),
        strings(&|e| Some(e.event.as_str().into())),
        strings(&|e| Some(e.window.room_id.clone())),
        strings(&|e| e.window.device_id.clone()),
        strings(&|e| e.window.kind.map(|k| k.as_str().into())),
        times(&|e| e.window.from),
        times(&|e| e.window.to),
        strings(&|e| Some(e.window.reason.clone())),
        strings(&|e| Some(e.window.created_by.clone())),
        times(&|e| e.window.created_at),
        times(&|e| e.event_at),
    ];
    let batch = RecordBatch::try_new(maintenance_window_events_schema(), columns)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), batch.schema(), Some(props))?;
    writer.write(&batch)?;
    writer.into_inner()
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> Result<&'a T, String> {
    batch
        .column_by_name(name)
        .ok_or_else(|| format!("no column `{name}`"))?
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| format!("column `{name}` has the wrong type"))
}

fn decode(bytes: Bytes, out: &mut Vec<WindowEvent>) -> Result<(), String> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .and_then(|b| b.build())
        .map_err(|e| e.to_string())?;
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let s = |name| column::<StringArray>(&batch, name);
        let t = |name| column::<TimestampMicrosecondArray>(&batch, name);
        let (id, event, room, device, kinds, reason, by) = (
            s("window_id")?,
            s("event")?,
            s("room_id")?,
            s("device_id")?,
            s("kind")?,
            s("reason")?,
            s("created_by")?,
        );
        let (from, to, created, at) = (t("from")?, t("to")?, t("created_at")?, t("event_at")?);
        let ts = |a: &TimestampMicrosecondArray, i: usize| {
            DateTime::from_timestamp_micros(a.value(i))
                .ok_or_else(|| format!("timestamp out of range in row {i}"))
        };
        let text = |a: &StringArray, i: usize| (!a.is_null(i)).then(|| a.value(i).to_string());
        for i in 0..batch.num_rows() {
            let kind = match text(kinds, i) {
                Some(k) => Some(
                    k.parse::<crate::incidents::Kind>()
                        .map_err(|e| format!("row {i}: {e}"))?,
                ),
                None => None,
            };
            out.push(WindowEvent {
                event: WindowEventKind::parse(event.value(i))
                    .ok_or_else(|| format!("row {i}: unknown event `{}`", event.value(i)))?,
                window: Window {
                    window_id: id.value(i).to_string(),
                    room_id: room.value(i).to_string(),
                    device_id: text(device, i),
                    kind,
                    from: ts(from, i)?,
                    to: ts(to, i)?,
                    reason: reason.value(i).to_string(),
                    created_by: by.value(i).to_string(),
                    created_at: ts(created, i)?,
                    ended_at: None,
                },
                event_at: ts(at, i)?,
            });
        }
    }
    Ok(())
}
