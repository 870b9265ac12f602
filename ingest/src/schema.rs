//! The Arrow schema of every lake table.
//!
//! Telemetry tables live at `telemetry/<table>/date=YYYY-MM-DD/` where the date is the event's
//! UTC date; `date` is a Hive partition column, not stored in the files. Every telemetry row
//! keeps its lineage (`kafka_topic`, `kafka_partition`, `kafka_offset`, `ingest_ts`; the Kafka
//! columns are null for file backfills). Timestamps are microseconds in UTC. Column names follow
//! the contract's field names, so `meetings` has columns `start` and `end` (quote `"end"` in SQL).
//!
//! `peripheral_states` stores each known metric (`fps`, `snr_db`, …) in its own nullable
//! column, so scans prune and aggregate them like any other column, and keeps metrics with
//! other names in the `other_metrics` map: nothing a device sends is lost.

use std::sync::{Arc, LazyLock};

use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use crate::vocab::{EventType, KNOWN_METRICS};

/// A table of the lake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// `heartbeat` events.
    Heartbeats,
    /// `peripheral` events.
    PeripheralStates,
    /// `meeting` events.
    Meetings,
    /// `booking` events.
    Bookings,
    /// `update` events.
    Updates,
    /// `enrollment` events.
    Enrollments,
    /// `log` events, scrubbed.
    Logs,
    /// Rejected messages with their reasons and raw bytes.
    DeadLetters,
    /// The room directory.
    Rooms,
}

impl Table {
    /// The telemetry tables, one per event type, in the contract's order.
    pub const TELEMETRY: [Table; 7] = [
        Table::Heartbeats,
        Table::PeripheralStates,
        Table::Meetings,
        Table::Bookings,
        Table::Updates,
        Table::Enrollments,
        Table::Logs,
    ];

    /// The tables written in date partitions: the telemetry tables and `dead_letters`.
    pub const PARTITIONED: [Table; 8] = [
        Table::Heartbeats,
        Table::PeripheralStates,
        Table::Meetings,
        Table::Bookings,
        Table::Updates,
        Table::Enrollments,
        Table::Logs,
        Table::DeadLetters,
    ];

    /// Every table, in declaration order.
    pub const ALL: [Table; 9] = [
        Table::Heartbeats,
        Table::PeripheralStates,
        Table::Meetings,
        Table::Bookings,
        Table::Updates,
        Table::Enrollments,
        Table::Logs,
        Table::DeadLetters,
        Table::Rooms,
    ];

    /// The date-partitioned table with this SQL name, if any.
    pub fn partitioned(name: &str) -> Option<Table> {
        Table::PARTITIONED.into_iter().find(|t| t.name() == name)
    }

    /// The table holding events of this type.
    pub const fn for_event(t: EventType) -> Table {
        match t {
            EventType::Heartbeat => Table::Heartbeats,
            EventType::Peripheral => Table::PeripheralStates,
            EventType::Meeting => Table::Meetings,
            EventType::Booking => Table::Bookings,
            EventType::Update => Table::Updates,
            EventType::Enrollment => Table::Enrollments,
            EventType::Log => Table::Logs,
        }
    }

    /// The SQL name, also the lake folder name.
    pub const fn name(self) -> &'static str {
        match self {
            Table::Heartbeats => "heartbeats",
            Table::PeripheralStates => "peripheral_states",
            Table::Meetings => "meetings",
            Table::Bookings => "bookings",
            Table::Updates => "updates",
            Table::Enrollments => "enrollments",
            Table::Logs => "logs",
            Table::DeadLetters => "dead_letters",
            Table::Rooms => "rooms",
        }
    }

    /// The folder of one date partition, relative to the lake's root:
    /// `telemetry/<table>/date=YYYY-MM-DD` for the telemetry tables, `dead_letters/date=…` for
    /// rejected messages and `rooms/date=…` for room-directory loads.
    pub fn partition_dir(self, date: &str) -> String {
        if Table::TELEMETRY.contains(&self) {
            format!("telemetry/{}/date={date}", self.name())
        } else {
            format!("{}/date={date}", self.name())
        }
    }

    /// The table's Arrow schema (without the `date` partition column).
    pub fn schema(self) -> SchemaRef {
        static SCHEMAS: LazyLock<[SchemaRef; 9]> = LazyLock::new(|| {
            [
                telemetry(heartbeat_fields()),
                telemetry(peripheral_fields()),
                telemetry(meeting_fields()),
                telemetry(booking_fields()),
                telemetry(update_fields()),
                telemetry(enrollment_fields()),
                telemetry(log_fields()),
                Arc::new(Schema::new(dead_letter_fields())),
                Arc::new(Schema::new(room_fields())),
            ]
        });
        Arc::clone(&SCHEMAS[self as usize])
    }
}

/// The lake's timestamp type: microseconds, UTC.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn ts(name: &str, nullable: bool) -> Field {
    Field::new(name, timestamp_type(), nullable)
}

fn f64_(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Float64, nullable)
}

fn i64_(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Int64, nullable)
}

fn bool_(name: &str) -> Field {
    Field::new(name, DataType::Boolean, false)
}

/// Envelope columns first, then the type's fields, then lineage.
fn telemetry(body: Vec<Field>) -> SchemaRef {
    let mut fields = vec![
        utf8("event_id", false),
        ts("ts", false),
        utf8("device_id", false),
        utf8("room_id", false),
    ];
    fields.extend(body);
    fields.extend(lineage_fields());
    Arc::new(Schema::new(fields))
}

/// Where each row came from: Kafka coordinates (null for files) and when it was ingested.
pub fn lineage_fields() -> Vec<Field> {
    vec![
        utf8("kafka_topic", true),
        Field::new("kafka_partition", DataType::Int32, true),
        i64_("kafka_offset", true),
        ts("ingest_ts", false),
    ]
}

fn heartbeat_fields() -> Vec<Field> {
    vec![
        utf8("platform", false),
        utf8("app_version", false),
        utf8("os_version", false),
        bool_("teams_signed_in"),
        bool_("exchange_signed_in"),
        f64_("cpu_pct", false),
        f64_("mem_pct", false),
        f64_("temp_c", true),
        i64_("uptime_s", false),
    ]
}

/// The `other_metrics` column type: metric name → value, for names the contract does not know.
pub fn metrics_map_type() -> DataType {
    let entries = Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("key", DataType::Utf8, false),
            Field::new("value", DataType::Float64, true),
        ])),
        false,
    );
    DataType::Map(Arc::new(entries), false)
}

fn peripheral_fields() -> Vec<Field> {
    let mut fields = vec![
        utf8("peripheral_id", false),
        utf8("kind", false),
        utf8("make", false),
        utf8("model", false),
        utf8("firmware", false),
        utf8("serial", true),
        utf8("connection", false),
        bool_("optional"),
        i64_("error_count", false),
    ];
    fields.extend(KNOWN_METRICS.iter().map(|m| f64_(m.name, true)));
    fields.push(Field::new("other_metrics", metrics_map_type(), true));
    fields
}

fn meeting_fields() -> Vec<Field> {
    vec![
        utf8("meeting_id", false),
        ts("start", false),
        ts("end", false),
        bool_("scheduled"),
        utf8("booking_id", true),
        i64_("participants", false),
        i64_("people_count", true),
        utf8("platform", false),
        f64_("packet_loss_pct", false),
        f64_("jitter_ms", false),
        f64_("rtt_ms", false),
        f64_("video_fps", true),
    ]
}

fn booking_fields() -> Vec<Field> {
    vec![
        utf8("booking_id", false),
        ts("start", false),
        ts("end", false),
        utf8("status", false),
        i64_("attendees", false),
    ]
}

fn update_fields() -> Vec<Field> {
    vec![
        utf8("update_id", false),
        utf8("component", false),
        utf8("target_id", false),
        utf8("from_version", false),
        utf8("to_version", false),
        utf8("ring", false),
        utf8("status", false),
        utf8("error", true),
    ]
}

fn enrollment_fields() -> Vec<Field> {
    vec![
        utf8("action", false),
        utf8("platform", false),
        utf8("make", false),
        utf8("model", false),
        utf8("serial", false),
    ]
}

fn log_fields() -> Vec<Field> {
    vec![
        utf8("level", false),
        utf8("source", false),
        utf8("message", false),
        Field::new("redactions", DataType::Int32, false),
    ]
}

fn dead_letter_fields() -> Vec<Field> {
    vec![
        utf8("reason", false),
        utf8("field", true),
        utf8("detail", false),
        Field::new("raw", DataType::Binary, false),
        Field::new("raw_bytes", DataType::Int64, false),
        utf8("source", false),
        utf8("kafka_topic", true),
        Field::new("kafka_partition", DataType::Int32, true),
        i64_("kafka_offset", true),
        i64_("line", true),
        ts("received_at", false),
    ]
}

fn room_fields() -> Vec<Field> {
    vec![
        utf8("room_id", false),
        utf8("name", false),
        utf8("site", false),
        utf8("building", true),
        utf8("floor", true),
        Field::new("capacity", DataType::Int32, false),
        utf8("country", false),
        utf8("timezone", false),
        utf8("room_group", false),
        utf8("ring", false),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_has_a_table_named_as_cli_md_says() {
        for t in EventType::ALL {
            assert_eq!(Table::for_event(*t).name(), t.table());
        }
    }

    #[test]
    fn telemetry_tables_share_envelope_and_lineage() {
        for t in Table::TELEMETRY {
            let s = t.schema();
            let names: Vec<&str> = s.fields().iter().map(|f| f.name().as_str()).collect();
            assert_eq!(
                &names[..4],
                ["event_id", "ts", "device_id", "room_id"],
                "{t:?}"
            );
            assert_eq!(
                &names[names.len() - 4..],
                [
                    "kafka_topic",
                    "kafka_partition",
                    "kafka_offset",
                    "ingest_ts"
                ],
                "{t:?}"
            );
            assert!(
                s.field_with_name("date").is_err(),
                "date is a partition column only"
            );
        }
    }

    #[test]
    fn peripheral_states_has_a_column_per_known_metric() {
        let s = Table::PeripheralStates.schema();
        for m in KNOWN_METRICS {
            assert_eq!(
                s.field_with_name(m.name).unwrap().data_type(),
                &DataType::Float64
            );
        }
        assert!(matches!(
            s.field_with_name("other_metrics").map(|f| f.data_type()),
            Ok(DataType::Map(_, false))
        ));
    }
}
