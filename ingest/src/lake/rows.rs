//! Arrow row builders for each lake table.
//!
//! A [`TableRows`] buffers the valid events of one telemetry table and a [`DeadLetterRows`] the
//! rejected messages, column by column, in exactly the schema of [`Table::schema`]. The caller
//! routes events to tables, scrubs log messages and dead-letter bytes first, and flushes when
//! [`TableRows::approx_bytes`] or [`TableRows::len`] says so; [`TableRows::finish`] then takes the
//! rows as one [`RecordBatch`] and leaves the builder empty for the next flush.
//!
//! Timestamps are stored as microseconds (UTC), enums as their wire spellings, and every row
//! carries its lineage: the Kafka coordinates (null for file backfills) and the ingest time.
//!
//! ```
//! use roomsight_ingest::lake::rows::{Origin, TableRows};
//! use roomsight_ingest::schema::Table;
//! use roomsight_ingest::{validate, Timestamp};
//!
//! let now = Timestamp::parse_rfc3339("2026-11-24T10:00:00Z").unwrap();
//! let msg = br#"{"schema":"roomsight.telemetry/v1","type":"heartbeat","event_id":"e1",
//!   "ts":"2026-11-24T09:15:00Z","device_id":"dev-1","room_id":"room-1",
//!   "platform":"windows","app_version":"5.2","os_version":"10.0.22631",
//!   "teams_signed_in":true,"exchange_signed_in":true,"cpu_pct":15,"mem_pct":40,
//!   "uptime_s":3600}"#;
//! let event = validate(msg, now).unwrap();
//! let origin = Origin::Kafka { topic: "room-telemetry", partition: 0, offset: 42 };
//!
//! let mut rows = TableRows::new(Table::Heartbeats);
//! rows.push(&event, 0, &origin, now);
//! let batch = rows.finish().unwrap();
//! assert_eq!(batch.num_rows(), 1);
//! assert_eq!(batch.schema(), Table::Heartbeats.schema());
//! assert!(rows.is_empty());
//! ```

mod body;
mod dead_letter;

use std::sync::Arc;

use arrow_array::builder::{
    Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::ArrowError;

use self::body::BodyColumns;
pub use self::dead_letter::{DeadLetter, DeadLetterRows};
use crate::event::Event;
use crate::schema::Table;
use crate::timestamp::Timestamp;

/// Where a message came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin<'a> {
    /// A Kafka message at these coordinates.
    Kafka {
        /// The topic it was consumed from.
        topic: &'a str,
        /// Its partition.
        partition: i32,
        /// Its offset in the partition.
        offset: i64,
    },
    /// A line of a newline-delimited JSON file (a backfill).
    File {
        /// The file's path as the user gave it.
        path: &'a str,
        /// The 1-based line number.
        line: u64,
    },
}

impl Origin<'_> {
    /// The `source` column of `dead_letters`: `kafka` or `file`.
    pub const fn source(&self) -> &'static str {
        match self {
            Origin::Kafka { .. } => "kafka",
            Origin::File { .. } => "file",
        }
    }
}

/// Bytes a row costs in fixed-width values, offsets and validity, per column (an estimate).
const BYTES_PER_CELL: usize = 9;

/// Rows of one telemetry table being buffered, in the exact schema of `Table::schema()`.
#[derive(Debug)]
pub struct TableRows {
    table: Table,
    envelope: EnvelopeColumns,
    body: BodyColumns,
    lineage: LineageColumns,
    len: usize,
    bytes: usize,
    bytes_per_row: usize,
}

impl TableRows {
    /// Empty rows of a telemetry table.
    ///
    /// # Panics
    /// If `table` is not one of [`Table::TELEMETRY`] (`dead_letters` has [`DeadLetterRows`];
    /// `rooms` is loaded whole, not buffered): a bug in the caller.
    pub fn new(table: Table) -> Self {
        TableRows {
            table,
            envelope: EnvelopeColumns::default(),
            body: BodyColumns::new(table),
            lineage: LineageColumns::default(),
            len: 0,
            bytes: 0,
            bytes_per_row: table.schema().fields().len() * BYTES_PER_CELL,
        }
    }

    /// The table these rows belong to.
    pub fn table(&self) -> Table {
        self.table
    }

    /// Appends one valid event of this table's type; the caller guarantees
    /// `Table::for_event(event.event_type()) == self.table()`. `log` messages are appended as
    /// given: the caller has scrubbed them and passes the number of redactions (ignored for
    /// other tables).
    ///
    /// # Panics
    /// If the event belongs to another table (a routing bug in the caller); nothing is appended.
    pub fn push(
        &mut self,
        event: &Event<'_>,
        redactions: u32,
        origin: &Origin<'_>,
        ingest_ts: Timestamp,
    ) {
        assert_eq!(
            Table::for_event(event.event_type()),
            self.table,
            "a `{}` event was routed to the `{}` rows",
            event.event_type(),
            self.table.name()
        );
        let body_bytes = self.body.push(&event.body, redactions);
        let envelope_bytes = self.envelope.push(event);
        let lineage_bytes = self.lineage.push(origin, ingest_ts);
        self.len += 1;
        self.bytes += self.bytes_per_row + body_bytes + envelope_bytes + lineage_bytes;
    }

    /// Number of rows buffered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no rows are buffered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Approximate heap bytes held by the buffered rows (string bytes plus a fixed cost per
    /// cell), kept as a running count so it is O(1); for flush-by-size and memory accounting.
    pub fn approx_bytes(&self) -> usize {
        self.bytes
    }

    /// Takes the rows as a [`RecordBatch`] with exactly `self.table().schema()`, leaving the
    /// builder empty and reusable.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let schema = self.table.schema();
        let mut columns = Vec::with_capacity(schema.fields().len());
        self.envelope.finish(&mut columns);
        self.body.finish(&mut columns);
        self.lineage.finish(&mut columns);
        self.len = 0;
        self.bytes = 0;
        RecordBatch::try_new(schema, columns)
    }
}

/// A builder for the lake's timestamp type (microseconds, UTC).
fn timestamp_builder() -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::new().with_timezone("UTC")
}

/// Appends a string; returns its length in bytes.
fn put(builder: &mut StringBuilder, value: &str) -> usize {
    builder.append_value(value);
    value.len()
}

/// Appends a nullable string; returns its length in bytes.
fn put_opt(builder: &mut StringBuilder, value: Option<&str>) -> usize {
    builder.append_option(value);
    value.map_or(0, str::len)
}

/// `event_id`, `ts`, `device_id`, `room_id`.
#[derive(Debug)]
struct EnvelopeColumns {
    event_id: StringBuilder,
    ts: TimestampMicrosecondBuilder,
    device_id: StringBuilder,
    room_id: StringBuilder,
}

impl Default for EnvelopeColumns {
    fn default() -> Self {
        EnvelopeColumns {
            event_id: StringBuilder::new(),
            ts: timestamp_builder(),
            device_id: StringBuilder::new(),
            room_id: StringBuilder::new(),
        }
    }
}

impl EnvelopeColumns {
    fn push(&mut self, event: &Event<'_>) -> usize {
        self.ts.append_value(event.ts.micros());
        put(&mut self.event_id, &event.event_id)
            + put(&mut self.device_id, &event.device_id)
            + put(&mut self.room_id, &event.room_id)
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.event_id.finish()));
        out.push(Arc::new(self.ts.finish()));
        out.push(Arc::new(self.device_id.finish()));
        out.push(Arc::new(self.room_id.finish()));
    }
}

/// `kafka_topic`, `kafka_partition`, `kafka_offset`: null for file origins.
#[derive(Debug, Default)]
struct KafkaColumns {
    topic: StringBuilder,
    partition: Int32Builder,
    offset: Int64Builder,
}

impl KafkaColumns {
    fn push(&mut self, origin: &Origin<'_>) -> usize {
        match *origin {
            Origin::Kafka {
                topic,
                partition,
                offset,
            } => {
                self.partition.append_value(partition);
                self.offset.append_value(offset);
                put(&mut self.topic, topic)
            }
            Origin::File { .. } => {
                self.topic.append_null();
                self.partition.append_null();
                self.offset.append_null();
                0
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.topic.finish()));
        out.push(Arc::new(self.partition.finish()));
        out.push(Arc::new(self.offset.finish()));
    }
}

/// The Kafka coordinates and `ingest_ts`.
#[derive(Debug)]
struct LineageColumns {
    kafka: KafkaColumns,
    ingest_ts: TimestampMicrosecondBuilder,
}

impl Default for LineageColumns {
    fn default() -> Self {
        LineageColumns {
            kafka: KafkaColumns::default(),
            ingest_ts: timestamp_builder(),
        }
    }
}

impl LineageColumns {
    fn push(&mut self, origin: &Origin<'_>, ingest_ts: Timestamp) -> usize {
        self.ingest_ts.append_value(ingest_ts.micros());
        self.kafka.push(origin)
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        self.kafka.finish(out);
        out.push(Arc::new(self.ingest_ts.finish()));
    }
}
