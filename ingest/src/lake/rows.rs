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

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, MapBuilder,
    MapFieldNames, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::ArrowError;

use crate::event::{
    Body, Booking, Enrollment, Event, Heartbeat, Log, Meeting, PeripheralState, Update,
};
use crate::reason::Reason;
use crate::schema::Table;
use crate::timestamp::Timestamp;
use crate::vocab::{KNOWN_METRICS, known_metric};

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

/// A rejected message, as it lands in `dead_letters`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadLetter<'a> {
    /// Why it was rejected.
    pub reason: Reason,
    /// The field at fault, if the reason names one.
    pub field: Option<&'a str>,
    /// What exactly is wrong, for people.
    pub detail: &'a str,
    /// The message bytes, already scrubbed (and possibly truncated) by the caller.
    pub raw: &'a [u8],
    /// The size of the original message in bytes.
    pub raw_bytes: i64,
    /// Where the message came from.
    pub origin: Origin<'a>,
    /// When the pipeline received it.
    pub received_at: Timestamp,
}

/// Rows of `dead_letters` being buffered, in the exact schema of `Table::DeadLetters.schema()`.
#[derive(Debug)]
pub struct DeadLetterRows {
    reason: StringBuilder,
    field: StringBuilder,
    detail: StringBuilder,
    raw: BinaryBuilder,
    raw_bytes: Int64Builder,
    source: StringBuilder,
    kafka: KafkaColumns,
    line: Int64Builder,
    received_at: TimestampMicrosecondBuilder,
    len: usize,
    bytes: usize,
    bytes_per_row: usize,
}

impl Default for DeadLetterRows {
    fn default() -> Self {
        Self::new()
    }
}

impl DeadLetterRows {
    /// Empty dead-letter rows.
    pub fn new() -> Self {
        DeadLetterRows {
            reason: StringBuilder::new(),
            field: StringBuilder::new(),
            detail: StringBuilder::new(),
            raw: BinaryBuilder::new(),
            raw_bytes: Int64Builder::new(),
            source: StringBuilder::new(),
            kafka: KafkaColumns::default(),
            line: Int64Builder::new(),
            received_at: timestamp_builder(),
            len: 0,
            bytes: 0,
            bytes_per_row: Table::DeadLetters.schema().fields().len() * BYTES_PER_CELL,
        }
    }

    /// Appends one rejected message.
    pub fn push(&mut self, letter: &DeadLetter<'_>) {
        let mut bytes = self.bytes_per_row;
        bytes += put(&mut self.reason, letter.reason.as_str());
        bytes += put_opt(&mut self.field, letter.field);
        bytes += put(&mut self.detail, letter.detail);
        self.raw.append_value(letter.raw);
        bytes += letter.raw.len();
        self.raw_bytes.append_value(letter.raw_bytes);
        bytes += put(&mut self.source, letter.origin.source());
        bytes += self.kafka.push(&letter.origin);
        self.line.append_option(match letter.origin {
            Origin::File { line, .. } => Some(i64::try_from(line).unwrap_or(i64::MAX)),
            Origin::Kafka { .. } => None,
        });
        self.received_at.append_value(letter.received_at.micros());
        self.len += 1;
        self.bytes += bytes;
    }

    /// Number of rows buffered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no rows are buffered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Approximate heap bytes held by the buffered rows, raw bytes included; O(1).
    pub fn approx_bytes(&self) -> usize {
        self.bytes
    }

    /// Takes the rows as a [`RecordBatch`] with exactly `Table::DeadLetters.schema()`, leaving
    /// the builder empty and reusable.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.reason.finish()),
            Arc::new(self.field.finish()),
            Arc::new(self.detail.finish()),
            Arc::new(self.raw.finish()),
            Arc::new(self.raw_bytes.finish()),
            Arc::new(self.source.finish()),
        ];
        self.kafka.finish(&mut columns);
        columns.push(Arc::new(self.line.finish()));
        columns.push(Arc::new(self.received_at.finish()));
        self.len = 0;
        self.bytes = 0;
        RecordBatch::try_new(Table::DeadLetters.schema(), columns)
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

/// The type-specific columns of one telemetry table.
#[derive(Debug)]
enum BodyColumns {
    Heartbeat(HeartbeatColumns),
    Peripheral(PeripheralColumns),
    Meeting(MeetingColumns),
    Booking(BookingColumns),
    Update(UpdateColumns),
    Enrollment(EnrollmentColumns),
    Log(LogColumns),
}

impl BodyColumns {
    fn new(table: Table) -> Self {
        match table {
            Table::Heartbeats => BodyColumns::Heartbeat(HeartbeatColumns::default()),
            Table::PeripheralStates => BodyColumns::Peripheral(PeripheralColumns::default()),
            Table::Meetings => BodyColumns::Meeting(MeetingColumns::default()),
            Table::Bookings => BodyColumns::Booking(BookingColumns::default()),
            Table::Updates => BodyColumns::Update(UpdateColumns::default()),
            Table::Enrollments => BodyColumns::Enrollment(EnrollmentColumns::default()),
            Table::Logs => BodyColumns::Log(LogColumns::default()),
            Table::DeadLetters | Table::Rooms => {
                panic!("{} is not a telemetry table", table.name())
            }
        }
    }

    /// Appends the body's fields; returns the variable-length bytes appended.
    fn push(&mut self, body: &Body<'_>, redactions: u32) -> usize {
        match (self, body) {
            (BodyColumns::Heartbeat(c), Body::Heartbeat(b)) => c.push(b),
            (BodyColumns::Peripheral(c), Body::Peripheral(b)) => c.push(b),
            (BodyColumns::Meeting(c), Body::Meeting(b)) => c.push(b),
            (BodyColumns::Booking(c), Body::Booking(b)) => c.push(b),
            (BodyColumns::Update(c), Body::Update(b)) => c.push(b),
            (BodyColumns::Enrollment(c), Body::Enrollment(b)) => c.push(b),
            (BodyColumns::Log(c), Body::Log(b)) => c.push(b, redactions),
            _ => unreachable!("`TableRows::push` checks the event's table"),
        }
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        match self {
            BodyColumns::Heartbeat(c) => c.finish(out),
            BodyColumns::Peripheral(c) => c.finish(out),
            BodyColumns::Meeting(c) => c.finish(out),
            BodyColumns::Booking(c) => c.finish(out),
            BodyColumns::Update(c) => c.finish(out),
            BodyColumns::Enrollment(c) => c.finish(out),
            BodyColumns::Log(c) => c.finish(out),
        }
    }
}

#[derive(Debug, Default)]
struct HeartbeatColumns {
    platform: StringBuilder,
    app_version: StringBuilder,
    os_version: StringBuilder,
    teams_signed_in: BooleanBuilder,
    exchange_signed_in: BooleanBuilder,
    cpu_pct: Float64Builder,
    mem_pct: Float64Builder,
    temp_c: Float64Builder,
    uptime_s: Int64Builder,
}

impl HeartbeatColumns {
    fn push(&mut self, b: &Heartbeat<'_>) -> usize {
        self.teams_signed_in.append_value(b.teams_signed_in);
        self.exchange_signed_in.append_value(b.exchange_signed_in);
        self.cpu_pct.append_value(b.cpu_pct);
        self.mem_pct.append_value(b.mem_pct);
        self.temp_c.append_option(b.temp_c);
        self.uptime_s.append_value(b.uptime_s);
        put(&mut self.platform, b.platform.as_str())
            + put(&mut self.app_version, &b.app_version)
            + put(&mut self.os_version, &b.os_version)
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.platform.finish()));
        out.push(Arc::new(self.app_version.finish()));
        out.push(Arc::new(self.os_version.finish()));
        out.push(Arc::new(self.teams_signed_in.finish()));
        out.push(Arc::new(self.exchange_signed_in.finish()));
        out.push(Arc::new(self.cpu_pct.finish()));
        out.push(Arc::new(self.mem_pct.finish()));
        out.push(Arc::new(self.temp_c.finish()));
        out.push(Arc::new(self.uptime_s.finish()));
    }
}

#[derive(Debug)]
struct PeripheralColumns {
    peripheral_id: StringBuilder,
    kind: StringBuilder,
    make: StringBuilder,
    model: StringBuilder,
    firmware: StringBuilder,
    serial: StringBuilder,
    connection: StringBuilder,
    optional: BooleanBuilder,
    error_count: Int64Builder,
    /// One per entry of [`KNOWN_METRICS`], in that order.
    known: Vec<Float64Builder>,
    other: MapBuilder<StringBuilder, Float64Builder>,
}

impl Default for PeripheralColumns {
    fn default() -> Self {
        // The names of `schema::metrics_map_type()`; MapBuilder makes keys non-null, values
        // nullable and the entries non-null, as that type says.
        let names = MapFieldNames {
            entry: "entries".to_owned(),
            key: "key".to_owned(),
            value: "value".to_owned(),
        };
        PeripheralColumns {
            peripheral_id: StringBuilder::new(),
            kind: StringBuilder::new(),
            make: StringBuilder::new(),
            model: StringBuilder::new(),
            firmware: StringBuilder::new(),
            serial: StringBuilder::new(),
            connection: StringBuilder::new(),
            optional: BooleanBuilder::new(),
            error_count: Int64Builder::new(),
            known: KNOWN_METRICS
                .iter()
                .map(|_| Float64Builder::new())
                .collect(),
            other: MapBuilder::new(Some(names), StringBuilder::new(), Float64Builder::new()),
        }
    }
}

impl PeripheralColumns {
    fn push(&mut self, b: &PeripheralState<'_>) -> usize {
        self.optional.append_value(b.optional);
        self.error_count.append_value(b.error_count);
        let strings = put(&mut self.peripheral_id, &b.peripheral_id)
            + put(&mut self.kind, b.kind.as_str())
            + put(&mut self.make, &b.make)
            + put(&mut self.model, &b.model)
            + put(&mut self.firmware, &b.firmware)
            + put_opt(&mut self.serial, b.serial.as_deref())
            + put(&mut self.connection, b.connection.as_str());
        for (column, metric) in self.known.iter_mut().zip(KNOWN_METRICS) {
            column.append_option(b.metrics.get(metric.name));
        }
        strings + self.push_other_metrics(b)
    }

    /// Appends the metrics with names the contract does not know (null when there are none).
    fn push_other_metrics(&mut self, b: &PeripheralState<'_>) -> usize {
        let mut bytes = 0;
        let mut any = false;
        for (name, value) in b.metrics.iter().filter(|(n, _)| known_metric(n).is_none()) {
            let (keys, values) = self.other.entries();
            bytes += put(keys, name) + BYTES_PER_CELL;
            values.append_value(value);
            any = true;
        }
        self.other
            .append(any)
            .expect("keys and values were appended in pairs");
        bytes
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.peripheral_id.finish()));
        out.push(Arc::new(self.kind.finish()));
        out.push(Arc::new(self.make.finish()));
        out.push(Arc::new(self.model.finish()));
        out.push(Arc::new(self.firmware.finish()));
        out.push(Arc::new(self.serial.finish()));
        out.push(Arc::new(self.connection.finish()));
        out.push(Arc::new(self.optional.finish()));
        out.push(Arc::new(self.error_count.finish()));
        for column in &mut self.known {
            out.push(Arc::new(column.finish()));
        }
        out.push(Arc::new(self.other.finish()));
    }
}

#[derive(Debug)]
struct MeetingColumns {
    meeting_id: StringBuilder,
    start: TimestampMicrosecondBuilder,
    end: TimestampMicrosecondBuilder,
    scheduled: BooleanBuilder,
    booking_id: StringBuilder,
    participants: Int64Builder,
    people_count: Int64Builder,
    platform: StringBuilder,
    packet_loss_pct: Float64Builder,
    jitter_ms: Float64Builder,
    rtt_ms: Float64Builder,
    video_fps: Float64Builder,
}

impl Default for MeetingColumns {
    fn default() -> Self {
        MeetingColumns {
            meeting_id: StringBuilder::new(),
            start: timestamp_builder(),
            end: timestamp_builder(),
            scheduled: BooleanBuilder::new(),
            booking_id: StringBuilder::new(),
            participants: Int64Builder::new(),
            people_count: Int64Builder::new(),
            platform: StringBuilder::new(),
            packet_loss_pct: Float64Builder::new(),
            jitter_ms: Float64Builder::new(),
            rtt_ms: Float64Builder::new(),
            video_fps: Float64Builder::new(),
        }
    }
}

impl MeetingColumns {
    fn push(&mut self, b: &Meeting<'_>) -> usize {
        self.start.append_value(b.start.micros());
        self.end.append_value(b.end.micros());
        self.scheduled.append_value(b.scheduled);
        self.participants.append_value(b.participants);
        self.people_count.append_option(b.people_count);
        self.packet_loss_pct.append_value(b.packet_loss_pct);
        self.jitter_ms.append_value(b.jitter_ms);
        self.rtt_ms.append_value(b.rtt_ms);
        self.video_fps.append_option(b.video_fps);
        put(&mut self.meeting_id, &b.meeting_id)
            + put_opt(&mut self.booking_id, b.booking_id.as_deref())
            + put(&mut self.platform, b.platform.as_str())
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.meeting_id.finish()));
        out.push(Arc::new(self.start.finish()));
        out.push(Arc::new(self.end.finish()));
        out.push(Arc::new(self.scheduled.finish()));
        out.push(Arc::new(self.booking_id.finish()));
        out.push(Arc::new(self.participants.finish()));
        out.push(Arc::new(self.people_count.finish()));
        out.push(Arc::new(self.platform.finish()));
        out.push(Arc::new(self.packet_loss_pct.finish()));
        out.push(Arc::new(self.jitter_ms.finish()));
        out.push(Arc::new(self.rtt_ms.finish()));
        out.push(Arc::new(self.video_fps.finish()));
    }
}

#[derive(Debug)]
struct BookingColumns {
    booking_id: StringBuilder,
    start: TimestampMicrosecondBuilder,
    end: TimestampMicrosecondBuilder,
    status: StringBuilder,
    attendees: Int64Builder,
}

impl Default for BookingColumns {
    fn default() -> Self {
        BookingColumns {
            booking_id: StringBuilder::new(),
            start: timestamp_builder(),
            end: timestamp_builder(),
            status: StringBuilder::new(),
            attendees: Int64Builder::new(),
        }
    }
}

impl BookingColumns {
    fn push(&mut self, b: &Booking<'_>) -> usize {
        self.start.append_value(b.start.micros());
        self.end.append_value(b.end.micros());
        self.attendees.append_value(b.attendees);
        put(&mut self.booking_id, &b.booking_id) + put(&mut self.status, b.status.as_str())
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.booking_id.finish()));
        out.push(Arc::new(self.start.finish()));
        out.push(Arc::new(self.end.finish()));
        out.push(Arc::new(self.status.finish()));
        out.push(Arc::new(self.attendees.finish()));
    }
}

#[derive(Debug, Default)]
struct UpdateColumns {
    update_id: StringBuilder,
    component: StringBuilder,
    target_id: StringBuilder,
    from_version: StringBuilder,
    to_version: StringBuilder,
    ring: StringBuilder,
    status: StringBuilder,
    error: StringBuilder,
}

impl UpdateColumns {
    fn push(&mut self, b: &Update<'_>) -> usize {
        put(&mut self.update_id, &b.update_id)
            + put(&mut self.component, b.component.as_str())
            + put(&mut self.target_id, &b.target_id)
            + put(&mut self.from_version, &b.from_version)
            + put(&mut self.to_version, &b.to_version)
            + put(&mut self.ring, &b.ring)
            + put(&mut self.status, b.status.as_str())
            + put_opt(&mut self.error, b.error.as_deref())
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.update_id.finish()));
        out.push(Arc::new(self.component.finish()));
        out.push(Arc::new(self.target_id.finish()));
        out.push(Arc::new(self.from_version.finish()));
        out.push(Arc::new(self.to_version.finish()));
        out.push(Arc::new(self.ring.finish()));
        out.push(Arc::new(self.status.finish()));
        out.push(Arc::new(self.error.finish()));
    }
}

#[derive(Debug, Default)]
struct EnrollmentColumns {
    action: StringBuilder,
    platform: StringBuilder,
    make: StringBuilder,
    model: StringBuilder,
    serial: StringBuilder,
}

impl EnrollmentColumns {
    fn push(&mut self, b: &Enrollment<'_>) -> usize {
        put(&mut self.action, b.action.as_str())
            + put(&mut self.platform, b.platform.as_str())
            + put(&mut self.make, &b.make)
            + put(&mut self.model, &b.model)
            + put(&mut self.serial, &b.serial)
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.action.finish()));
        out.push(Arc::new(self.platform.finish()));
        out.push(Arc::new(self.make.finish()));
        out.push(Arc::new(self.model.finish()));
        out.push(Arc::new(self.serial.finish()));
    }
}

#[derive(Debug, Default)]
struct LogColumns {
    level: StringBuilder,
    source: StringBuilder,
    message: StringBuilder,
    redactions: Int32Builder,
}

impl LogColumns {
    fn push(&mut self, b: &Log<'_>, redactions: u32) -> usize {
        self.redactions
            .append_value(i32::try_from(redactions).unwrap_or(i32::MAX));
        put(&mut self.level, b.level.as_str())
            + put(&mut self.source, &b.source)
            + put(&mut self.message, &b.message)
    }

    fn finish(&mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.level.finish()));
        out.push(Arc::new(self.source.finish()));
        out.push(Arc::new(self.message.finish()));
        out.push(Arc::new(self.redactions.finish()));
    }
}
