//! Incident events ↔ Arrow record batches of `incident_events_schema()` ↔ Parquet bytes.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use datafusion::arrow::array::builder::{Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use datafusion::arrow::array::{
    Array, ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use roomsight_queries::tables::incident_events_schema;
use serde_json::{Map, Value};

use super::model::IncidentEvent;

/// Encodes events as one Parquet file (zstd) of the `incident_events` schema.
pub(crate) fn encode(
    events: &[IncidentEvent],
) -> Result<Vec<u8>, datafusion::parquet::errors::ParquetError> {
    let batch = to_batch(events)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), batch.schema(), Some(props))?;
    writer.write(&batch)?;
    writer.into_inner()
}

fn to_batch(
    events: &[IncidentEvent],
) -> Result<RecordBatch, datafusion::parquet::errors::ParquetError> {
    let n = events.len();
    let strings = |f: &dyn Fn(&IncidentEvent) -> Option<String>| -> ArrayRef {
        let mut b = StringBuilder::with_capacity(n, n * 16);
        for e in events {
            b.append_option(f(e));
        }
        Arc::new(b.finish())
    };
    let times = |f: &dyn Fn(&IncidentEvent) -> Option<DateTime<Utc>>| -> ArrayRef {
        let mut b = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
        for e in events {
            b.append_option(f(e).map(|t| t.timestamp_micros()));
        }
        Arc::new(b.finish())
    };
    let mut seq = Int64Builder::with_capacity(n);
    for e in events {
        seq.append_value(e.seq);
    }
    let columns: Vec<ArrayRef> = vec![
        strings(&|e| Some(e.incident_id.clone())),
        Arc::new(seq.finish()) as ArrayRef,
        strings(&|e| Some(e.event.as_str().into())),
        strings(&|e| Some(e.kind.as_str().into())),
        strings(&|e| Some(e.severity.as_str().into())),
        strings(&|e| Some(e.state.as_str().into())),
        strings(&|e| Some(e.origin.as_str().into())),
        strings(&|e| Some(e.room_id.clone())),
        strings(&|e| Some(e.device_id.clone())),
        strings(&|e| e.peripheral_id.clone()),
        times(&|e| Some(e.opened_at)),
        times(&|e| Some(e.event_at)),
        times(&|e| Some(e.last_seen_at)),
        times(&|e| e.resolved_at),
        times(&|e| e.closed_at),
        strings(&|e| Some(e.summary.clone())),
        strings(&|e| Some(Value::Object(e.details.clone()).to_string())),
        times(&|e| Some(e.recorded_at)),
    ];
    Ok(RecordBatch::try_new(incident_events_schema(), columns)?)
}

/// Decodes one Parquet file of incident events, in file order.
pub(crate) fn decode(bytes: Bytes) -> Result<Vec<IncidentEvent>, String> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .and_then(|b| b.build())
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        from_batch(&batch, &mut out)?;
    }
    Ok(out)
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> Result<&'a T, String> {
    batch
        .column_by_name(name)
        .ok_or_else(|| format!("no column `{name}`"))?
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| format!("column `{name}` has the wrong type"))
}

fn from_batch(batch: &RecordBatch, out: &mut Vec<IncidentEvent>) -> Result<(), String> {
    let s = |name| column::<StringArray>(batch, name);
    let t = |name| column::<TimestampMicrosecondArray>(batch, name);
    let (id, event, kind, severity, state, origin) = (
        s("incident_id")?,
        s("event")?,
        s("kind")?,
        s("severity")?,
        s("state")?,
        s("origin")?,
    );
    let (room, device, peripheral, summary, details) = (
        s("room_id")?,
        s("device_id")?,
        s("peripheral_id")?,
        s("summary")?,
        s("details")?,
    );
    let (opened, event_at, last_seen, resolved, closed, recorded) = (
        t("opened_at")?,
        t("event_at")?,
        t("last_seen_at")?,
        t("resolved_at")?,
        t("closed_at")?,
        t("recorded_at")?,
    );
    let seq = column::<Int64Array>(batch, "seq")?;
    let ts = |a: &TimestampMicrosecondArray, i: usize| -> Result<Option<DateTime<Utc>>, String> {
        if a.is_null(i) {
            return Ok(None);
        }
        DateTime::from_timestamp_micros(a.value(i))
            .map(Some)
            .ok_or_else(|| format!("timestamp out of range in row {i}"))
    };
    let required = |a: &TimestampMicrosecondArray, i: usize, name: &str| {
        ts(a, i)?.ok_or_else(|| format!("`{name}` is null in row {i}"))
    };
    let text = |a: &StringArray, i: usize| -> Option<String> {
        (!a.is_null(i)).then(|| a.value(i).to_string())
    };
    for i in 0..batch.num_rows() {
        let details = match serde_json::from_str::<Value>(details.value(i)) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        out.push(IncidentEvent {
            incident_id: id.value(i).to_string(),
            seq: seq.value(i),
            event: event
                .value(i)
                .parse()
                .map_err(|e| format!("row {i}: {e}"))?,
            kind: kind.value(i).parse().map_err(|e| format!("row {i}: {e}"))?,
            severity: severity
                .value(i)
                .parse()
                .map_err(|e| format!("row {i}: {e}"))?,
            state: state
                .value(i)
                .parse()
                .map_err(|e| format!("row {i}: {e}"))?,
            origin: origin
                .value(i)
                .parse()
                .map_err(|e| format!("row {i}: {e}"))?,
            room_id: room.value(i).to_string(),
            device_id: device.value(i).to_string(),
            peripheral_id: text(peripheral, i),
            opened_at: required(opened, i, "opened_at")?,
            event_at: required(event_at, i, "event_at")?,
            last_seen_at: required(last_seen, i, "last_seen_at")?,
            resolved_at: ts(resolved, i)?,
            closed_at: ts(closed, i)?,
            summary: summary.value(i).to_string(),
            details,
            recorded_at: required(recorded, i, "recorded_at")?,
        });
    }
    Ok(())
}
