//! What each table and column of the catalog means, in one line: shown by the shell's `\d`.
//!
//! The columns themselves come from the session (so reports and views added later show up);
//! this file only adds their meaning. Telemetry columns follow `docs/telemetry-contract.md`.

/// Tables and views with a one-line meaning, in the order `\d` lists them first.
pub const TABLES: &[(&str, &str)] = &[
    (
        "heartbeats",
        "one row per device heartbeat (every 60 s while powered): sign-in, CPU, memory, temperature, versions",
    ),
    (
        "peripheral_states",
        "one row per peripheral status report: health, connection, firmware, errors and device metrics",
    ),
    (
        "meetings",
        "one row per meeting held in a room: its times, platform, participants and call quality",
    ),
    (
        "bookings",
        "one row per calendar booking of a room: its times, status and attendees",
    ),
    (
        "updates",
        "one row per software/firmware update step on a device or peripheral",
    ),
    (
        "enrollments",
        "one row per device enrolled into or removed from management",
    ),
    (
        "logs",
        "device log lines (warnings and errors), scrubbed of personal data",
    ),
    (
        "dead_letters",
        "messages the ingest rejected, with the reason and the raw bytes",
    ),
    (
        "rooms",
        "the room directory loaded by `roomsight rooms load`: site, capacity, time zone, ring",
    ),
    (
        "incident_events",
        "every change of every incident (opened, updated, resolved, reopened, closed)",
    ),
    (
        "incidents",
        "each incident's current state: the latest of its incident_events",
    ),
    (
        "maintenance_window_events",
        "every change of every maintenance window (created, ended)",
    ),
    (
        "maintenance_windows",
        "each maintenance window as it stands: room, optional device and kind, from, to, reason",
    ),
    (
        "update_windows",
        "the implicit maintenance window of every update step: started to its end plus 10 minutes",
    ),
    (
        "effective_maintenance_windows",
        "every window detection honours: the maintenance windows and the update windows",
    ),
    (
        "device_latest",
        "the latest state of every room system: its last heartbeat and its enrollment",
    ),
    (
        "peripheral_latest",
        "the latest state of every peripheral: identity, firmware, connection, errors, metrics",
    ),
];

/// Columns every telemetry table shares.
const COMMON: &[(&str, &str)] = &[
    (
        "event_id",
        "the event's unique id (a resent event is stored once)",
    ),
    ("ts", "event time, UTC"),
    ("device_id", "the room system that sent the event"),
    ("room_id", "the room (join with rooms.room_id)"),
    (
        "kafka_topic",
        "lineage: the Kafka topic the event came from (null for file backfills)",
    ),
    ("kafka_partition", "lineage: its Kafka partition"),
    ("kafka_offset", "lineage: its Kafka offset"),
    ("ingest_ts", "lineage: when the ingest wrote it"),
    (
        "date",
        "partition: the UTC date of ts; filter on it to read only those days",
    ),
];

/// Columns particular to one table.
const COLUMNS: &[(&str, &str, &str)] = &[
    ("heartbeats", "platform", "windows or android"),
    ("heartbeats", "app_version", "Teams Rooms app version"),
    ("heartbeats", "os_version", "operating system version"),
    (
        "heartbeats",
        "teams_signed_in",
        "the room account is signed in to Teams",
    ),
    (
        "heartbeats",
        "exchange_signed_in",
        "the room account is signed in to Exchange",
    ),
    ("heartbeats", "cpu_pct", "CPU use, percent"),
    ("heartbeats", "mem_pct", "memory use, percent"),
    (
        "heartbeats",
        "temp_c",
        "device temperature, °C (null when not reported)",
    ),
    ("heartbeats", "uptime_s", "seconds since the device started"),
    (
        "peripheral_states",
        "peripheral_id",
        "the peripheral, unique across the estate",
    ),
    (
        "peripheral_states",
        "kind",
        "camera, microphone, speaker, display, … (Graph's names)",
    ),
    ("peripheral_states", "make", "manufacturer"),
    ("peripheral_states", "model", "model"),
    ("peripheral_states", "firmware", "firmware version"),
    (
        "peripheral_states",
        "serial",
        "serial number (null when unknown)",
    ),
    (
        "peripheral_states",
        "connection",
        "connected, disconnected, … (Graph's teamworkConnection)",
    ),
    ("peripheral_states", "optional", "the room works without it"),
    (
        "peripheral_states",
        "error_count",
        "errors since the peripheral last connected (0 again after a reconnect or reboot)",
    ),
    ("peripheral_states", "fps", "camera frames per second"),
    ("peripheral_states", "volume_pct", "speaker volume, percent"),
    (
        "peripheral_states",
        "distortion_pct",
        "speaker distortion, percent",
    ),
    (
        "peripheral_states",
        "signal_errors",
        "display signal errors counted",
    ),
    (
        "peripheral_states",
        "touch_latency_ms",
        "touch console latency, ms",
    ),
    (
        "peripheral_states",
        "disk_free_pct",
        "room system disk free, percent",
    ),
    (
        "peripheral_states",
        "dropped_frames_pct",
        "camera frames dropped, percent",
    ),
    (
        "peripheral_states",
        "snr_db",
        "microphone signal-to-noise ratio, dB",
    ),
    (
        "peripheral_states",
        "noise_floor_db",
        "microphone noise floor, dB",
    ),
    (
        "peripheral_states",
        "other_metrics",
        "metrics the contract does not name: name → value",
    ),
    ("meetings", "meeting_id", "the meeting"),
    ("meetings", "start", "when it started, UTC"),
    ("meetings", "end", "when it ended, UTC"),
    (
        "meetings",
        "scheduled",
        "booked ahead (false: ad hoc, a walk-in or meet now)",
    ),
    (
        "meetings",
        "booking_id",
        "its booking (join with bookings.booking_id)",
    ),
    (
        "meetings",
        "participants",
        "people in the call, all locations",
    ),
    (
        "meetings",
        "people_count",
        "people counted in the room by the camera (null when unknown)",
    ),
    ("meetings", "platform", "teams, zoom, webex, …"),
    (
        "meetings",
        "packet_loss_pct",
        "call quality: packet loss, percent",
    ),
    ("meetings", "jitter_ms", "call quality: jitter, ms"),
    ("meetings", "rtt_ms", "call quality: round-trip time, ms"),
    (
        "meetings",
        "video_fps",
        "call quality: video frames per second (null: audio only)",
    ),
    ("bookings", "booking_id", "the booking"),
    ("bookings", "start", "booked start, UTC"),
    ("bookings", "end", "booked end, UTC"),
    ("bookings", "status", "accepted or cancelled"),
    ("bookings", "attendees", "invited attendees"),
    ("updates", "update_id", "the update"),
    (
        "updates",
        "component",
        "teams_app, firmware, operating_system, admin_agent or partner_agent",
    ),
    ("updates", "target_id", "the device or peripheral updated"),
    ("updates", "from_version", "version before"),
    ("updates", "to_version", "the version the step installs"),
    ("updates", "ring", "the rollout ring"),
    (
        "updates",
        "status",
        "scheduled, started, succeeded, failed or rolled_back",
    ),
    ("updates", "error", "why it failed (null on success)"),
    ("enrollments", "action", "enrolled or unenrolled"),
    ("enrollments", "platform", "windows or android"),
    ("enrollments", "make", "manufacturer"),
    ("enrollments", "model", "model"),
    ("enrollments", "serial", "serial number"),
    ("logs", "level", "info, warning or error"),
    ("logs", "source", "the component that logged"),
    (
        "logs",
        "message",
        "the line, personal data replaced by placeholders",
    ),
    (
        "logs",
        "redactions",
        "how many pieces of personal data were replaced",
    ),
    (
        "dead_letters",
        "reason",
        "why it was rejected (malformed, missing_field, out_of_range, …)",
    ),
    (
        "dead_letters",
        "field",
        "the field at fault, when there is one",
    ),
    ("dead_letters", "detail", "what was wrong with it"),
    ("dead_letters", "raw", "the message as received (scrubbed)"),
    ("dead_letters", "raw_bytes", "its size in bytes"),
    (
        "dead_letters",
        "source",
        "where it came from (kafka or file:<path>)",
    ),
    (
        "dead_letters",
        "line",
        "its line in the file (file backfills)",
    ),
    ("dead_letters", "received_at", "when the ingest read it"),
    ("rooms", "room_id", "the room"),
    ("rooms", "name", "its display name"),
    ("rooms", "site", "its site (office)"),
    ("rooms", "building", "its building"),
    ("rooms", "floor", "its floor"),
    ("rooms", "capacity", "seats"),
    ("rooms", "country", "ISO country code"),
    (
        "rooms",
        "timezone",
        "IANA time zone, for local business hours",
    ),
    ("rooms", "room_group", "the group it reports under"),
    ("rooms", "ring", "its update rollout ring"),
    ("maintenance_window_events", "window_id", "the window"),
    ("maintenance_window_events", "event", "created or ended"),
    (
        "maintenance_window_events",
        "device_id",
        "the room system or peripheral it covers (null: the whole room)",
    ),
    (
        "maintenance_window_events",
        "kind",
        "the incident kind it silences (null: every kind)",
    ),
    (
        "maintenance_window_events",
        "from",
        "when it starts (quote it: \"from\")",
    ),
    (
        "maintenance_window_events",
        "to",
        "when it ends, exclusive (quote it: \"to\"); moved earlier when ended early",
    ),
    (
        "maintenance_window_events",
        "reason",
        "why, in the words of whoever added it",
    ),
    (
        "maintenance_window_events",
        "created_by",
        "who added it (free text, e.g. a team)",
    ),
    (
        "maintenance_window_events",
        "created_at",
        "when it was added",
    ),
    (
        "maintenance_window_events",
        "event_at",
        "when this event happened",
    ),
    ("incident_events", "incident_id", "the incident"),
    ("incident_events", "seq", "1, 2, … per incident"),
    (
        "incident_events",
        "event",
        "opened, updated, resolved, reopened or closed",
    ),
    (
        "incident_events",
        "kind",
        "what is wrong (device_offline, peripheral_disconnected, …)",
    ),
    ("incident_events", "severity", "critical or warning"),
    (
        "incident_events",
        "state",
        "open, resolved or closed after this event",
    ),
    (
        "incident_events",
        "origin",
        "system (detected) or customer (opened by hand)",
    ),
    (
        "incident_events",
        "peripheral_id",
        "the peripheral at fault (null: the device)",
    ),
    ("incident_events", "opened_at", "when the incident opened"),
    ("incident_events", "event_at", "when this event happened"),
    (
        "incident_events",
        "last_seen_at",
        "the last evidence of the problem",
    ),
    (
        "incident_events",
        "resolved_at",
        "when it was resolved (null while open)",
    ),
    (
        "incident_events",
        "closed_at",
        "when it was closed (null until then)",
    ),
    ("incident_events", "summary", "one line for people"),
    ("incident_events", "details", "evidence, a JSON object"),
    (
        "incident_events",
        "recorded_at",
        "when this event was written",
    ),
];

/// The meaning of a table, view or report output, if it is one roomsight defines.
pub fn table_meaning(table: &str) -> Option<&'static str> {
    TABLES
        .iter()
        .find(|(name, _)| *name == table)
        .map(|(_, meaning)| *meaning)
        .or_else(|| crate::reports::find(table).map(|report| report.about))
}

/// The meaning of `column` of `table`: its own entry, else the one shared by telemetry tables
/// (and, for `incidents`, its `incident_events` column).
pub fn column_meaning(table: &str, column: &str) -> Option<&'static str> {
    let table = match table {
        "incidents" => "incident_events",
        "maintenance_windows" => "maintenance_window_events",
        t => t,
    };
    COLUMNS
        .iter()
        .find(|(t, c, _)| *t == table && *c == column)
        .map(|(_, _, meaning)| *meaning)
        .or_else(|| {
            COMMON
                .iter()
                .find(|(c, _)| *c == column)
                .map(|(_, meaning)| *meaning)
        })
}

#[cfg(test)]
mod tests {
    use roomsight_ingest::schema::Table;

    use super::*;

    #[test]
    fn every_lake_table_and_column_has_a_meaning() {
        for table in Table::ALL {
            let name = table.name();
            assert!(table_meaning(name).is_some(), "table {name}");
            for field in table.schema().fields() {
                assert!(
                    column_meaning(name, field.name()).is_some(),
                    "{name}.{}",
                    field.name()
                );
            }
        }
    }

    #[test]
    fn incidents_and_incident_events_columns_have_meanings() {
        for field in crate::tables::incident_events_schema().fields() {
            assert!(
                column_meaning("incidents", field.name()).is_some(),
                "incidents.{}",
                field.name()
            );
        }
    }
}
