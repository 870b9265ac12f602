//! The type-specific columns of each telemetry table (everything after the envelope and
//! before the lineage), one builder group per event type.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, MapBuilder, MapFieldNames,
    StringBuilder, TimestampMicrosecondBuilder,
};

use super::{BYTES_PER_CELL, put, put_opt, timestamp_builder};
use crate::event::{Body, Booking, Enrollment, Heartbeat, Log, Meeting, PeripheralState, Update};
use crate::schema::Table;
use crate::vocab::{KNOWN_METRICS, known_metric};

/// The type-specific columns of one telemetry table.
#[derive(Debug)]
pub(super) enum BodyColumns {
    Heartbeat(HeartbeatColumns),
    Peripheral(PeripheralColumns),
    Meeting(MeetingColumns),
    Booking(BookingColumns),
    Update(UpdateColumns),
    Enrollment(EnrollmentColumns),
    Log(LogColumns),
}

impl BodyColumns {
    pub(super) fn new(table: Table) -> Self {
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
    pub(super) fn push(&mut self, body: &Body<'_>, redactions: u32) -> usize {
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

    pub(super) fn finish(&mut self, out: &mut Vec<ArrayRef>) {
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
pub(super) struct HeartbeatColumns {
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
pub(super) struct PeripheralColumns {
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
pub(super) struct MeetingColumns {
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
pub(super) struct BookingColumns {
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
pub(super) struct UpdateColumns {
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
pub(super) struct EnrollmentColumns {
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
pub(super) struct LogColumns {
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
