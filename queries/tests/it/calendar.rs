//! Fixtures of the meeting reports: a room directory, meeting and booking events, and running a
//! report of the registry with its parameters bound, rows rendered one line each.

use chrono::NaiveDate;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::array_value_to_string;
use roomsight_ingest::lake::directory::write_rooms;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::rooms::read_rooms;
use roomsight_queries::reports::{self, BusinessHours, ReportParams, Window};
use serde_json::{Value, json};

use crate::fixture::{TestLake, event};

/// The directory header of the contract.
const HEADER: &str = "room_id,name,site,building,floor,capacity,country,timezone,room_group,ring\n";

/// Loads `rows` (CSV lines without the header) as the lake's room directory.
pub(crate) fn load_rooms(lake: &TestLake, rows: &str) {
    let directory = read_rooms(format!("{HEADER}{rows}").as_bytes()).unwrap();
    assert!(directory.rejected.is_empty(), "{:?}", directory.rejected);
    let store = Lake::open(&lake.url()).unwrap();
    lake.runtime
        .block_on(write_rooms(&store, &directory.rooms))
        .unwrap();
}

/// A meeting event (sent at its end) with typical values; `extra` overrides or adds fields.
pub(crate) fn meeting(
    event_id: &str,
    room: &str,
    meeting_id: &str,
    start: &str,
    end: &str,
    extra: Value,
) -> Value {
    let mut body = json!({
        "meeting_id": meeting_id, "start": start, "end": end, "scheduled": true,
        "participants": 4, "platform": "teams",
        "packet_loss_pct": 0.5, "jitter_ms": 8.0, "rtt_ms": 60.0,
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    event("meeting", event_id, end, &format!("dev-{room}"), room, body)
}

/// A booking event sent at `ts`.
pub(crate) fn booking(
    event_id: &str,
    ts: &str,
    room: &str,
    booking_id: &str,
    (start, end): (&str, &str),
    status: &str,
) -> Value {
    event(
        "booking",
        event_id,
        ts,
        &format!("dev-{room}"),
        room,
        json!({"booking_id": booking_id, "start": start, "end": end, "status": status, "attendees": 5}),
    )
}

pub(crate) fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Runs the report `name` over `from..=to` with business hours `hours` (minutes after local
/// midnight); each row rendered as `col|col|…` (nulls empty), with the header first.
pub(crate) fn report_rows(
    lake: &TestLake,
    name: &str,
    (from, to): (&str, &str),
    hours: (i64, i64),
) -> Vec<String> {
    let report = reports::find(name).unwrap();
    let params = ReportParams {
        window: Window::Range {
            from: date(from),
            to: date(to),
        },
        business_hours: BusinessHours {
            start_minute: hours.0,
            end_minute: hours.1,
        },
    };
    let bound = report.bind(&params).unwrap();
    render(&lake.query(report.sql, &bound))
}

/// Runs a daily report with the default business hours (08:00–18:00).
pub(crate) fn daily(lake: &TestLake, name: &str, from: &str, to: &str) -> Vec<String> {
    report_rows(lake, name, (from, to), (480, 1080))
}

/// One line per row, `|`-separated, nulls empty; the first line is the header.
pub(crate) fn render(batches: &[RecordBatch]) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(first) = batches.first() {
        lines.push(
            first
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join("|"),
        );
    }
    for batch in batches {
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = batch
                .columns()
                .iter()
                .map(|c| {
                    if c.is_null(row) {
                        String::new()
                    } else {
                        array_value_to_string(c, row).unwrap()
                    }
                })
                .collect();
            lines.push(cells.join("|"));
        }
    }
    lines
}
