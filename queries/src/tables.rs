//! Where each table of the catalog lives in the lake, and the schemas of the tables that are not
//! telemetry (those are `roomsight_ingest::schema`'s).

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use roomsight_ingest::schema::{Table, timestamp_type};

/// The folder, relative to the lake's root, holding a lake table's files (Hive partitions
/// `date=YYYY-MM-DD/` below it for the partitioned tables).
pub fn table_dir(table: Table) -> String {
    match table {
        t if Table::TELEMETRY.contains(&t) => format!("telemetry/{}/", t.name()),
        t => format!("{}/", t.name()),
    }
}

/// The folder of the incident events: one Parquet file per batch of events.
pub const INCIDENT_EVENTS_DIR: &str = "incidents/events/";

/// The folder of the maintenance window events: one Parquet file per batch of events.
pub const MAINTENANCE_WINDOWS_DIR: &str = "maintenance_windows/";

/// The folder of report outputs: `reports/<report>/report_date=…/` or `reports/<report>/as_of=…/`.
pub const REPORTS_DIR: &str = "reports/";

/// The Hive partition column of the telemetry tables and `dead_letters`: the event's UTC date.
pub const DATE_PARTITION: &str = "date";

/// The schema of `incident_events`: every change of every incident, in order per incident.
///
/// `seq` counts from 1 per incident; `event` is one of `opened`, `updated`, `resolved`,
/// `reopened`, `closed`; `state` is the incident's state after the event; `origin` is `system`
/// (opened by detection) or `customer` (opened by a person); `details` is a JSON object as text.
pub fn incident_events_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let utf8 = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
        let ts = |name: &str, nullable| Field::new(name, timestamp_type(), nullable);
        Arc::new(Schema::new(vec![
            utf8("incident_id", false),
            Field::new("seq", DataType::Int64, false),
            utf8("event", false),
            utf8("kind", false),
            utf8("severity", false),
            utf8("state", false),
            utf8("origin", false),
            utf8("room_id", false),
            utf8("device_id", false),
            utf8("peripheral_id", true),
            ts("opened_at", false),
            ts("event_at", false),
            ts("last_seen_at", false),
            ts("resolved_at", true),
            ts("closed_at", true),
            utf8("summary", false),
            utf8("details", false),
            ts("recorded_at", false),
        ]))
    });
    Arc::clone(&SCHEMA)
}

/// The schema of `maintenance_window_events`: every change of every maintenance window
/// (incidents.md), append-only.
///
/// `event` is `created` or `ended`; an `ended` event repeats the window with `to` moved to the
/// moment it was ended. `device_id` names a room system or a peripheral (null: the whole room);
/// `kind` an incident kind (null: every kind).
pub fn maintenance_window_events_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let utf8 = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
        let ts = |name: &str| Field::new(name, timestamp_type(), false);
        Arc::new(Schema::new(vec![
            utf8("window_id", false),
            utf8("event", false),
            utf8("room_id", false),
            utf8("device_id", true),
            utf8("kind", true),
            ts("from"),
            ts("to"),
            utf8("reason", false),
            utf8("created_by", false),
            ts("created_at"),
            ts("event_at"),
        ]))
    });
    Arc::clone(&SCHEMA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telemetry_tables_live_under_telemetry_and_the_rest_at_the_root() {
        assert_eq!(table_dir(Table::Heartbeats), "telemetry/heartbeats/");
        assert_eq!(table_dir(Table::DeadLetters), "dead_letters/");
        assert_eq!(table_dir(Table::Rooms), "rooms/");
    }

    #[test]
    fn incident_events_carry_the_feed_fields_of_incidents_md() {
        let schema = incident_events_schema();
        for name in [
            "incident_id",
            "event",
            "kind",
            "severity",
            "state",
            "room_id",
            "device_id",
            "peripheral_id",
            "opened_at",
            "event_at",
            "summary",
            "details",
        ] {
            assert!(schema.field_with_name(name).is_ok(), "{name}");
        }
    }
}
