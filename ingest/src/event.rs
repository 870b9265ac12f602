//! Typed telemetry events: what a valid message of the v1 contract says.
//!
//! An [`Event`] is the envelope plus one [`Body`] per event type. Strings borrow from the
//! message where they can (`Cow`), so validating a message allocates little; the simulator
//! builds events with owned strings and serializes them with serde into the exact wire form.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::timestamp::Timestamp;
use crate::vocab::{
    BookingStatus, Connection, DevicePlatform, EnrollmentAction, EventType, LogLevel,
    MeetingPlatform, PeripheralKind, UpdateComponent, UpdateStatus,
};

/// The only schema version this contract accepts.
pub const SCHEMA_V1: &str = "roomsight.telemetry/v1";

/// Messages (or file lines) larger than this are invalid (`too_large`).
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// A `log` message may be at most this many UTF-8 bytes.
pub const MAX_LOG_MESSAGE_BYTES: usize = 8 * 1024;

/// How far ahead of ingest time an event's `ts` may be, in seconds (`future_ts`).
pub const MAX_FUTURE_SECS: i64 = 10 * 60;

/// A valid telemetry event: the envelope and its type-specific body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event<'a> {
    /// Always [`SCHEMA_V1`].
    pub schema: &'static str,
    /// Unique per event; resends of the same event carry the same id.
    pub event_id: Cow<'a, str>,
    /// Event time.
    pub ts: Timestamp,
    /// The room system that sent (or is described by) the event.
    pub device_id: Cow<'a, str>,
    /// The room the device is in.
    pub room_id: Cow<'a, str>,
    /// The type-specific fields; serializes `type` and the fields flat into the envelope.
    #[serde(flatten)]
    pub body: Body<'a>,
}

impl<'a> Event<'a> {
    /// A v1 event from its envelope fields and body.
    pub fn new(
        event_id: impl Into<Cow<'a, str>>,
        ts: Timestamp,
        device_id: impl Into<Cow<'a, str>>,
        room_id: impl Into<Cow<'a, str>>,
        body: Body<'a>,
    ) -> Self {
        Event {
            schema: SCHEMA_V1,
            event_id: event_id.into(),
            ts,
            device_id: device_id.into(),
            room_id: room_id.into(),
            body,
        }
    }

    /// The event's type.
    pub fn event_type(&self) -> EventType {
        self.body.event_type()
    }

    /// The wire form: one line of JSON, no trailing newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("events serialize: no maps with non-string keys")
    }

    /// Appends the wire form to `out`, no trailing newline.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        serde_json::to_writer(out, self).expect("writing JSON into a Vec cannot fail")
    }
}

/// The type-specific part of an event; the variant is the `type` field.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Body<'a> {
    /// `heartbeat`: the room system's vital signs, every 60 s while powered.
    Heartbeat(Heartbeat<'a>),
    /// `peripheral`: one peripheral's state, every 5 min and at every change.
    Peripheral(PeripheralState<'a>),
    /// `meeting`: one meeting, sent when it ends.
    Meeting(Meeting<'a>),
    /// `booking`: a calendar booking created, changed or cancelled.
    Booking(Booking<'a>),
    /// `update`: one software or firmware update step.
    Update(Update<'a>),
    /// `enrollment`: the room system joins or leaves management.
    Enrollment(Enrollment<'a>),
    /// `log`: a notable device log line.
    Log(Log<'a>),
}

impl Body<'_> {
    /// The event type of this body.
    pub fn event_type(&self) -> EventType {
        match self {
            Body::Heartbeat(_) => EventType::Heartbeat,
            Body::Peripheral(_) => EventType::Peripheral,
            Body::Meeting(_) => EventType::Meeting,
            Body::Booking(_) => EventType::Booking,
            Body::Update(_) => EventType::Update,
            Body::Enrollment(_) => EventType::Enrollment,
            Body::Log(_) => EventType::Log,
        }
    }
}

/// A `heartbeat` event's fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Heartbeat<'a> {
    /// `windows` or `android`.
    pub platform: DevicePlatform,
    /// Teams Rooms app version.
    pub app_version: Cow<'a, str>,
    /// Operating-system version.
    pub os_version: Cow<'a, str>,
    /// Whether the Teams app is signed in.
    pub teams_signed_in: bool,
    /// Whether the Exchange (calendar) account is signed in.
    pub exchange_signed_in: bool,
    /// CPU use, 0–100.
    pub cpu_pct: f64,
    /// Memory use, 0–100.
    pub mem_pct: f64,
    /// Temperature in °C, -20–120, when the device reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temp_c: Option<f64>,
    /// Seconds since the room system booted; a drop means a reboot.
    pub uptime_s: i64,
}

/// A `peripheral` event's fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeripheralState<'a> {
    /// Stable id of the physical part, unique across the estate.
    pub peripheral_id: Cow<'a, str>,
    /// What the peripheral is.
    pub kind: PeripheralKind,
    /// Manufacturer.
    pub make: Cow<'a, str>,
    /// Model name.
    pub model: Cow<'a, str>,
    /// Firmware version it runs now.
    pub firmware: Cow<'a, str>,
    /// Serial number, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<Cow<'a, str>>,
    /// Connection state.
    pub connection: Connection,
    /// Whether the room works without it (its loss is not critical).
    pub optional: bool,
    /// Errors since last connected; resets to 0 on reconnect and on a reboot of the room system.
    pub error_count: i64,
    /// Kind-specific gauges in the order sent; unknown names are kept.
    #[serde(skip_serializing_if = "Metrics::is_empty")]
    pub metrics: Metrics<'a>,
}

/// A peripheral's gauges: name → value, in the order they were sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics<'a>(pub Vec<(Cow<'a, str>, f64)>);

impl<'a> Metrics<'a> {
    /// No metrics.
    pub const fn new() -> Self {
        Metrics(Vec::new())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of the metric with this name, if sent.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// Adds a metric.
    pub fn push(&mut self, name: impl Into<Cow<'a, str>>, value: f64) {
        self.0.push((name.into(), value));
    }

    /// Iterates over `(name, value)` pairs in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(n, v)| (n.as_ref(), *v))
    }
}

impl Serialize for Metrics<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A `meeting` event's fields: one meeting, sent when it ends (`ts` equals `end`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Meeting<'a> {
    /// The meeting's id; a resend replaces the earlier event.
    pub meeting_id: Cow<'a, str>,
    /// When it started.
    pub start: Timestamp,
    /// When it ended: after `start`, at most 24 h later.
    pub end: Timestamp,
    /// False for ad-hoc (walk-in, "meet now") meetings.
    pub scheduled: bool,
    /// The calendar booking it fulfilled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<Cow<'a, str>>,
    /// Everyone in the call, remote and in the room.
    pub participants: i64,
    /// Most people the room camera counted in the room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub people_count: Option<i64>,
    /// The meeting platform.
    pub platform: MeetingPlatform,
    /// Average packet loss over the call, 0–100.
    pub packet_loss_pct: f64,
    /// Average jitter over the call, ≥ 0.
    pub jitter_ms: f64,
    /// Average round-trip time over the call, ≥ 0.
    pub rtt_ms: f64,
    /// Average video frame rate, 0–120.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_fps: Option<f64>,
}

/// A `booking` event's fields: the latest event for a `booking_id` is its state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Booking<'a> {
    /// The calendar booking's id.
    pub booking_id: Cow<'a, str>,
    /// Booked start.
    pub start: Timestamp,
    /// Booked end, after `start`.
    pub end: Timestamp,
    /// Accepted or cancelled.
    pub status: BookingStatus,
    /// Invited people.
    pub attendees: i64,
}

/// An `update` event's fields: one rollout step on one target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Update<'a> {
    /// One rollout step on one target.
    pub update_id: Cow<'a, str>,
    /// What is updated.
    pub component: UpdateComponent,
    /// The `device_id`, or the `peripheral_id` for firmware.
    pub target_id: Cow<'a, str>,
    /// Version before.
    pub from_version: Cow<'a, str>,
    /// Version after.
    pub to_version: Cow<'a, str>,
    /// The ring the room was in when the step ran.
    pub ring: Cow<'a, str>,
    /// How far the step got.
    pub status: UpdateStatus,
    /// What went wrong, for failed steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Cow<'a, str>>,
}

/// An `enrollment` event's fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Enrollment<'a> {
    /// Joins or leaves management.
    pub action: EnrollmentAction,
    /// `windows` or `android`.
    pub platform: DevicePlatform,
    /// Manufacturer of the room system.
    pub make: Cow<'a, str>,
    /// Model of the room system.
    pub model: Cow<'a, str>,
    /// Serial number of the room system.
    pub serial: Cow<'a, str>,
}

/// A `log` event's fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Log<'a> {
    /// Severity.
    pub level: LogLevel,
    /// The component that logged it.
    pub source: Cow<'a, str>,
    /// The line, at most 8 KiB; personal data is scrubbed before it lands in the lake.
    pub message: Cow<'a, str>,
}
