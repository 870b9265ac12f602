//! The validator: message bytes → a valid [`Event`] or a [`Rejection`].
//!
//! Checks run in the contract's order and the first failure is the reason: size, JSON shape,
//! `schema`, `type`, then each field in table order, envelope first. For one field: absent or
//! `null` when required → `missing_field`; wrong JSON type → `wrong_type`; any other rule →
//! `out_of_range` (`future_ts` for a `ts` too far ahead). Cross-field rules are judged at, and
//! name, their later field.
//!
//! The message is parsed once into borrowed `(key, raw value)` pairs; strings without escapes
//! are borrowed, so a valid event costs a handful of small allocations at most.

mod json;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use serde_json::value::RawValue;

use self::json::{Kind, Object, decode_str};
use crate::event::{
    Body, Booking, Enrollment, Event, Heartbeat, Log, MAX_FUTURE_SECS, MAX_LOG_MESSAGE_BYTES,
    MAX_MESSAGE_BYTES, Meeting, Metrics, PeripheralState, SCHEMA_V1, Update,
};
use crate::reason::{Reason, Rejection};
use crate::timestamp::{Timestamp, TimestampError};
use crate::validate_id::is_valid_id;
use crate::vocab::{
    BookingStatus, Connection, DevicePlatform, EnrollmentAction, EventType, LogLevel,
    MeetingPlatform, PeripheralKind, UpdateComponent, UpdateStatus, known_metric,
};

type Judged<T> = Result<T, Rejection>;

/// Judges one message (a Kafka value or an NDJSON line) against the v1 contract.
///
/// `now` is the ingest time, for the rule that `ts` may be at most 10 minutes ahead. Pure and
/// total: it never panics, whatever the bytes.
pub fn validate(bytes: &[u8], now: Timestamp) -> Result<Event<'_>, Rejection> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(Rejection::message(
            Reason::TooLarge,
            format!(
                "the message is {} bytes, over the limit of {MAX_MESSAGE_BYTES}",
                bytes.len()
            ),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Rejection::message(Reason::Malformed, format!("is not UTF-8 ({e})")))?;
    let object = Object::parse(text).ok_or_else(|| {
        Rejection::message(
            Reason::Malformed,
            "is not a JSON object (one object per message)",
        )
    })?;
    let f = Fields { object };

    match f.object.get("schema").and_then(decode_str) {
        Some(s) if s == SCHEMA_V1 => {}
        Some(s) => {
            return Err(Rejection::field(
                Reason::UnknownSchema,
                "schema",
                format!("must be `{SCHEMA_V1}`, got `{}`", truncate(&s)),
            ));
        }
        None => {
            return Err(Rejection::field(
                Reason::UnknownSchema,
                "schema",
                format!("must be the string `{SCHEMA_V1}`"),
            ));
        }
    }
    let event_type = match f.object.get("type").and_then(decode_str) {
        Some(t) => EventType::parse(&t).ok_or_else(|| {
            Rejection::field(
                Reason::UnknownType,
                "type",
                format!("`{}` is not an event type of the contract", truncate(&t)),
            )
        })?,
        None => {
            return Err(Rejection::field(
                Reason::UnknownType,
                "type",
                "must be one of heartbeat, peripheral, meeting, booking, update, enrollment, log",
            ));
        }
    };

    let event_id = f.string_len("event_id", 128)?;
    let ts = f.timestamp("ts")?;
    if ts > now.add_secs(MAX_FUTURE_SECS) {
        return Err(Rejection::field(
            Reason::FutureTs,
            "ts",
            format!("{ts} is more than 10 minutes after ingest time {now}"),
        ));
    }
    let device_id = f.id("device_id")?;
    let room_id = f.id("room_id")?;

    let body = match event_type {
        EventType::Heartbeat => Body::Heartbeat(heartbeat(&f)?),
        EventType::Peripheral => Body::Peripheral(peripheral(&f)?),
        EventType::Meeting => Body::Meeting(meeting(&f, ts)?),
        EventType::Booking => Body::Booking(booking(&f)?),
        EventType::Update => Body::Update(update(&f)?),
        EventType::Enrollment => Body::Enrollment(enrollment(&f)?),
        EventType::Log => Body::Log(log(&f)?),
    };
    Ok(Event::new(event_id, ts, device_id, room_id, body))
}

/// The Kafka message key the contract asks producers to use: the payload's `device_id`, if it
/// has a string one. Used for partitioning only; validation judges the payload.
pub fn message_key(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let text = std::str::from_utf8(bytes).ok()?;
    Object::parse(text)?.get("device_id").and_then(decode_str)
}

fn heartbeat<'a>(f: &Fields<'a>) -> Judged<Heartbeat<'a>> {
    Ok(Heartbeat {
        platform: f.choice("platform", DevicePlatform::parse, DevicePlatform::ALL)?,
        app_version: f.string("app_version")?,
        os_version: f.string("os_version")?,
        teams_signed_in: f.boolean("teams_signed_in")?,
        exchange_signed_in: f.boolean("exchange_signed_in")?,
        cpu_pct: f.number_in("cpu_pct", 0.0, 100.0)?,
        mem_pct: f.number_in("mem_pct", 0.0, 100.0)?,
        temp_c: f.optional("temp_c", |f| f.number_in("temp_c", -20.0, 120.0))?,
        uptime_s: f.integer_min("uptime_s", 0)?,
    })
}

fn peripheral<'a>(f: &Fields<'a>) -> Judged<PeripheralState<'a>> {
    let peripheral_id = f.string_len("peripheral_id", 64)?;
    Ok(PeripheralState {
        peripheral_id,
        kind: f.choice("kind", PeripheralKind::parse, PeripheralKind::ALL)?,
        make: f.string("make")?,
        model: f.string("model")?,
        firmware: f.string("firmware")?,
        serial: f.optional("serial", |f| f.string("serial"))?,
        connection: f.choice("connection", Connection::parse, Connection::ALL)?,
        optional: f.boolean("optional")?,
        error_count: f.integer_min("error_count", 0)?,
        metrics: f.optional("metrics", metrics)?.unwrap_or_default(),
    })
}

fn metrics<'a>(f: &Fields<'a>) -> Judged<Metrics<'a>> {
    let raw = f.raw("metrics", Kind::Object)?;
    let object = Object::parse(raw.get()).ok_or_else(|| wrong_type("metrics", "an object", raw))?;
    let mut metrics = Metrics::new();
    for (name, value) in object.entries() {
        match Kind::of(value) {
            Kind::Null => continue,
            Kind::Number => {}
            _ => return Err(wrong_type(format!("metrics.{name}"), "a number", value)),
        }
        let v = parse_number(value);
        if !v.is_finite() {
            return Err(out_of_range(
                format!("metrics.{name}"),
                "must be a finite number",
            ));
        }
        if let Some(m) = known_metric(name)
            && (v < m.min || v > m.max)
        {
            return Err(out_of_range(
                format!("metrics.{name}"),
                format!("must be within {}, got {v}", range_text(m.min, m.max)),
            ));
        }
        metrics.push(name.clone(), v);
    }
    Ok(metrics)
}

fn meeting<'a>(f: &Fields<'a>, ts: Timestamp) -> Judged<Meeting<'a>> {
    let meeting_id = f.string_len("meeting_id", 128)?;
    let (start, end) = f.interval()?;
    if end.secs() - start.secs() > 86_400
        || (end.secs() - start.secs() == 86_400 && end.subsec_nanos() > start.subsec_nanos())
    {
        return Err(out_of_range("end", "must be at most 24 hours after start"));
    }
    if end != ts {
        return Err(out_of_range(
            "end",
            format!("must equal ts ({ts}), got {end}"),
        ));
    }
    Ok(Meeting {
        meeting_id,
        start,
        end,
        scheduled: f.boolean("scheduled")?,
        booking_id: f.optional("booking_id", |f| f.string("booking_id"))?,
        participants: f.integer_min("participants", 0)?,
        people_count: f.optional("people_count", |f| f.integer_min("people_count", 0))?,
        platform: f.choice("platform", MeetingPlatform::parse, MeetingPlatform::ALL)?,
        packet_loss_pct: f.number_in("packet_loss_pct", 0.0, 100.0)?,
        jitter_ms: f.number_in("jitter_ms", 0.0, f64::INFINITY)?,
        rtt_ms: f.number_in("rtt_ms", 0.0, f64::INFINITY)?,
        video_fps: f.optional("video_fps", |f| f.number_in("video_fps", 0.0, 120.0))?,
    })
}

fn booking<'a>(f: &Fields<'a>) -> Judged<Booking<'a>> {
    let booking_id = f.string_len("booking_id", 128)?;
    let (start, end) = f.interval()?;
    Ok(Booking {
        booking_id,
        start,
        end,
        status: f.choice("status", BookingStatus::parse, BookingStatus::ALL)?,
        attendees: f.integer_min("attendees", 0)?,
    })
}

fn update<'a>(f: &Fields<'a>) -> Judged<Update<'a>> {
    Ok(Update {
        update_id: f.string("update_id")?,
        component: f.choice("component", UpdateComponent::parse, UpdateComponent::ALL)?,
        target_id: f.string("target_id")?,
        from_version: f.string("from_version")?,
        to_version: f.string("to_version")?,
        ring: f.string("ring")?,
        status: f.choice("status", UpdateStatus::parse, UpdateStatus::ALL)?,
        error: f.optional("error", |f| f.string("error"))?,
    })
}

fn enrollment<'a>(f: &Fields<'a>) -> Judged<Enrollment<'a>> {
    Ok(Enrollment {
        action: f.choice("action", EnrollmentAction::parse, EnrollmentAction::ALL)?,
        platform: f.choice("platform", DevicePlatform::parse, DevicePlatform::ALL)?,
        make: f.string("make")?,
        model: f.string("model")?,
        serial: f.string("serial")?,
    })
}

fn log<'a>(f: &Fields<'a>) -> Judged<Log<'a>> {
    let level = f.choice("level", LogLevel::parse, LogLevel::ALL)?;
    let source = f.string("source")?;
    let message = f.string("message")?;
    if message.len() > MAX_LOG_MESSAGE_BYTES {
        return Err(out_of_range(
            "message",
            format!(
                "must be at most {MAX_LOG_MESSAGE_BYTES} bytes of UTF-8, got {}",
                message.len()
            ),
        ));
    }
    Ok(Log {
        level,
        source,
        message,
    })
}

/// Typed, rule-checked access to the message's fields.
struct Fields<'a> {
    object: Object<'a>,
}

impl<'a> Fields<'a> {
    /// The raw value of a required field of the given JSON kind.
    fn raw(&self, name: &'static str, kind: Kind) -> Judged<&'a RawValue> {
        let raw = self
            .object
            .get(name)
            .ok_or_else(|| Rejection::field(Reason::MissingField, name, "is required"))?;
        if Kind::of(raw) == kind {
            Ok(raw)
        } else {
            Err(wrong_type(name, kind.name(), raw))
        }
    }

    /// An optional field: `None` when absent or `null`.
    fn optional<T>(
        &self,
        name: &'static str,
        read: impl FnOnce(&Self) -> Judged<T>,
    ) -> Judged<Option<T>> {
        match self.object.get(name) {
            None => Ok(None),
            Some(_) => read(self).map(Some),
        }
    }

    fn string(&self, name: &'static str) -> Judged<Cow<'a, str>> {
        let raw = self.raw(name, Kind::String)?;
        decode_str(raw).ok_or_else(|| wrong_type(name, "a string", raw))
    }

    /// A string of 1 to `max` characters (Unicode code points).
    fn string_len(&self, name: &'static str, max: usize) -> Judged<Cow<'a, str>> {
        let s = self.string(name)?;
        let n = s.chars().count();
        if (1..=max).contains(&n) {
            Ok(s)
        } else {
            Err(out_of_range(
                name,
                format!("must be 1–{max} characters, got {n}"),
            ))
        }
    }

    /// `start` and `end` with `start < end`, judged at `end`.
    fn interval(&self) -> Judged<(Timestamp, Timestamp)> {
        let start = self.timestamp("start")?;
        let end = self.timestamp("end")?;
        if end <= start {
            return Err(out_of_range(
                "end",
                format!("must be after start ({start}), got {end}"),
            ));
        }
        Ok((start, end))
    }

    fn id(&self, name: &'static str) -> Judged<Cow<'a, str>> {
        let s = self.string(name)?;
        if is_valid_id(&s) {
            Ok(s)
        } else {
            Err(out_of_range(
                name,
                format!(
                    "must be 1–64 characters of [A-Za-z0-9._:-], got `{}`",
                    truncate(&s)
                ),
            ))
        }
    }

    fn boolean(&self, name: &'static str) -> Judged<bool> {
        Ok(self
            .raw(name, Kind::Bool)?
            .get()
            .trim_start()
            .starts_with('t'))
    }

    fn timestamp(&self, name: &'static str) -> Judged<Timestamp> {
        let s = self.string(name)?;
        Timestamp::parse_rfc3339(&s).map_err(|e| {
            let why = match e {
                TimestampError::Shape => {
                    "must be an RFC 3339 timestamp with offset, like 2026-11-24T09:15:00Z"
                }
                TimestampError::Range => "has a date or time part out of range",
            };
            out_of_range(name, format!("{why}, got `{}`", truncate(&s)))
        })
    }

    fn choice<T>(&self, name: &'static str, parse: fn(&str) -> Option<T>, all: &[T]) -> Judged<T>
    where
        T: std::fmt::Display,
    {
        let s = self.string(name)?;
        parse(&s).ok_or_else(|| {
            let allowed: Vec<String> = all.iter().map(ToString::to_string).collect();
            out_of_range(
                name,
                format!(
                    "must be one of {}, got `{}`",
                    allowed.join(", "),
                    truncate(&s)
                ),
            )
        })
    }

    fn number_in(&self, name: &'static str, min: f64, max: f64) -> Judged<f64> {
        let v = parse_number(self.raw(name, Kind::Number)?);
        if v.is_finite() && v >= min && v <= max {
            Ok(v)
        } else {
            Err(out_of_range(
                name,
                format!("must be within {}, got {v}", range_text(min, max)),
            ))
        }
    }

    fn integer_min(&self, name: &'static str, min: i64) -> Judged<i64> {
        let raw = self.raw(name, Kind::Number)?;
        let text = raw.get().trim();
        if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            return Err(wrong_type(
                name,
                "an integer (no fraction or exponent)",
                raw,
            ));
        }
        match text.parse::<i64>() {
            Ok(v) if v >= min => Ok(v),
            _ => Err(out_of_range(
                name,
                format!("must be an integer ≥ {min}, got {}", truncate(text)),
            )),
        }
    }
}

fn parse_number(raw: &RawValue) -> f64 {
    raw.get().trim().parse::<f64>().unwrap_or(f64::NAN)
}

fn out_of_range(field: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Rejection {
    Rejection::field(Reason::OutOfRange, field, detail)
}

fn wrong_type(field: impl Into<Cow<'static, str>>, expected: &str, raw: &RawValue) -> Rejection {
    Rejection::field(
        Reason::WrongType,
        field,
        format!("must be {expected}, got {}", Kind::of(raw).name()),
    )
}

fn range_text(min: f64, max: f64) -> String {
    if max.is_infinite() {
        format!("≥ {min}")
    } else {
        format!("{min}–{max}")
    }
}

/// At most 80 characters of a value, for messages.
fn truncate(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(80) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}
