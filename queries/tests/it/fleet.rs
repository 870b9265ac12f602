//! Fixtures of the device, peripheral, update and incident reports: events of those types,
//! minute-by-minute heartbeats, incident events written the way the incident store writes them,
//! and running a snapshot report of the registry.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use datafusion::arrow::array::{
    ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::parquet::arrow::ArrowWriter;
use roomsight_queries::reports::{self, ReportParams, Window};
use roomsight_queries::tables::incident_events_schema;
use serde_json::{Value, json};

use crate::calendar::render;
use crate::fixture::{TestLake, event};

pub(crate) fn at(ts: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(ts)
        .unwrap()
        .with_timezone(&Utc)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One heartbeat a minute from `start` for `minutes` minutes, with `uptime_s` growing by 60
/// from `uptime_start`, signed in to Teams; event ids `<prefix>-<n>`.
pub(crate) fn beats(
    prefix: &str,
    device: &str,
    room: &str,
    start: &str,
    minutes: i64,
    uptime_start: i64,
) -> Vec<Value> {
    (0..minutes)
        .map(|i| {
            let ts = rfc3339(at(start) + Duration::minutes(i));
            heartbeat_with(
                &format!("{prefix}-{i}"),
                &ts,
                device,
                room,
                uptime_start + 60 * i,
                json!({}),
            )
        })
        .collect()
}

/// A heartbeat (windows, app 5.2.1, signed in) with `extra` fields overriding the defaults.
pub(crate) fn heartbeat_with(
    id: &str,
    ts: &str,
    device: &str,
    room: &str,
    uptime_s: i64,
    extra: Value,
) -> Value {
    let mut body = json!({
        "platform": "windows", "app_version": "5.2.1", "os_version": "10.0.22631",
        "teams_signed_in": true, "exchange_signed_in": true,
        "cpu_pct": 12.5, "mem_pct": 40.0, "uptime_s": uptime_s,
    });
    merge(&mut body, extra);
    event("heartbeat", id, ts, device, room, body)
}

/// An enrollment event (`enrolled` or `unenrolled`) of a Windows room system.
pub(crate) fn enrollment(id: &str, ts: &str, device: &str, room: &str, action: &str) -> Value {
    event(
        "enrollment",
        id,
        ts,
        device,
        room,
        json!({"action": action, "platform": "windows", "make": "Lenovo", "model": "ThinkSmart Core", "serial": format!("SN-{device}")}),
    )
}

/// A peripheral event of a non-optional room camera (Logi Rally, firmware 1.0, no errors), with
/// `extra` fields overriding those.
pub(crate) fn peripheral(
    id: &str,
    ts: &str,
    device: &str,
    room: &str,
    peripheral_id: &str,
    connection: &str,
    extra: Value,
) -> Value {
    let mut body = json!({
        "peripheral_id": peripheral_id, "kind": "room_camera", "make": "Logi", "model": "Rally",
        "firmware": "1.0", "connection": connection, "optional": false, "error_count": 0,
    });
    merge(&mut body, extra);
    event("peripheral", id, ts, device, room, body)
}

/// An update step on `target`.
#[expect(
    clippy::too_many_arguments,
    reason = "one argument per field of the event"
)]
pub(crate) fn update(
    id: &str,
    ts: &str,
    device: &str,
    room: &str,
    component: &str,
    target: &str,
    to: &str,
    status: &str,
) -> Value {
    event(
        "update",
        id,
        ts,
        device,
        room,
        json!({
            "update_id": format!("u-{id}"), "component": component, "target_id": target,
            "from_version": "0", "to_version": to, "ring": "general", "status": status,
        }),
    )
}

fn merge(body: &mut Value, extra: Value) {
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
}

/// One incident event; `opened_at` and `event_at` are RFC 3339 texts.
#[derive(Clone, Debug)]
pub(crate) struct IncidentEvent {
    pub(crate) id: &'static str,
    pub(crate) seq: i64,
    pub(crate) event: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) severity: &'static str,
    pub(crate) room: &'static str,
    pub(crate) device: &'static str,
    pub(crate) peripheral: Option<&'static str>,
    pub(crate) opened_at: &'static str,
    pub(crate) event_at: &'static str,
    pub(crate) details: &'static str,
}

impl IncidentEvent {
    /// The `opened` event (seq 1) of a system incident on `device`.
    pub(crate) fn opened(
        id: &'static str,
        kind: &'static str,
        severity: &'static str,
        room: &'static str,
        device: &'static str,
        opened_at: &'static str,
    ) -> IncidentEvent {
        IncidentEvent {
            id,
            seq: 1,
            event: "opened",
            kind,
            severity,
            room,
            device,
            peripheral: None,
            opened_at,
            event_at: opened_at,
            details: "{}",
        }
    }

    /// The same incident's next event: `event` at `event_at`.
    pub(crate) fn then(&self, event: &'static str, event_at: &'static str) -> IncidentEvent {
        IncidentEvent {
            seq: self.seq + 1,
            event,
            event_at,
            ..self.clone()
        }
    }

    fn state(&self) -> &'static str {
        match self.event {
            "resolved" => "resolved",
            "closed" => "closed",
            _ => "open",
        }
    }
}

/// Writes incident events as the lake's first incident batch
/// (`incidents/events/00000000000000000001.parquet`), with resolved_at and closed_at carried
/// along each incident's history.
pub(crate) fn write_incident_events(lake: &TestLake, events: &[IncidentEvent]) {
    let micros = |t: &str| at(t).timestamp_micros();
    let ts = |values: Vec<Option<i64>>| -> ArrayRef {
        Arc::new(TimestampMicrosecondArray::from(values).with_timezone("UTC"))
    };
    let text = |values: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(values)) };
    let mut resolved_at = Vec::new();
    let mut closed_at = Vec::new();
    for e in events {
        let history = events.iter().filter(|h| h.id == e.id && h.seq <= e.seq);
        let last_of = |kind: &str| {
            history
                .clone()
                .filter(|h| h.event == kind)
                .map(|h| micros(h.event_at))
                .max()
        };
        let reopened_after = last_of("reopened") > last_of("resolved");
        resolved_at.push(if reopened_after {
            None
        } else {
            last_of("resolved")
        });
        closed_at.push(last_of("closed"));
    }
    let column = |f: fn(&IncidentEvent) -> &str| text(events.iter().map(|e| Some(f(e))).collect());
    let columns: Vec<ArrayRef> = vec![
        column(|e| e.id),
        Arc::new(Int64Array::from(
            events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        )),
        column(|e| e.event),
        column(|e| e.kind),
        column(|e| e.severity),
        column(IncidentEvent::state),
        column(|e| {
            if e.details.contains("opened_by") {
                "customer"
            } else {
                "system"
            }
        }),
        column(|e| e.room),
        column(|e| e.device),
        text(events.iter().map(|e| e.peripheral).collect()),
        ts(events.iter().map(|e| Some(micros(e.opened_at))).collect()),
        ts(events.iter().map(|e| Some(micros(e.event_at))).collect()),
        ts(events.iter().map(|e| Some(micros(e.event_at))).collect()),
        ts(resolved_at),
        ts(closed_at),
        column(|e| e.kind),
        column(|e| e.details),
        ts(events.iter().map(|e| Some(micros(e.event_at))).collect()),
    ];
    let batch = RecordBatch::try_new(incident_events_schema(), columns).unwrap();
    let dir = lake.dir.path().join("incidents/events");
    std::fs::create_dir_all(&dir).unwrap();
    let file = std::fs::File::create(dir.join("00000000000000000001.parquet")).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// Runs the snapshot report `name` as of `as_of` (RFC 3339); each row rendered as
/// `col|col|…` (nulls empty), with the header first.
pub(crate) fn snapshot(lake: &TestLake, name: &str, as_of: &str) -> Vec<String> {
    let report = reports::find(name).unwrap();
    let bound = report
        .bind(&ReportParams::new(Window::AsOf(at(as_of))))
        .unwrap();
    render(&lake.query(report.sql, &bound))
}
