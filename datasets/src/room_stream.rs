//! One room's events, slice by slice: heartbeats, peripheral states and the planned one-offs,
//! serialized into the room's own buffer with the keys that order them.
//!
//! Each room keeps its own generators and random streams, so rooms can be generated on any
//! thread in any order and the merged output is the same.

use roomsight_ingest::vocab::EventType;
use roomsight_ingest::{Body, Booking, Enrollment, Event, Log, Meeting, Update};

use crate::clock::{Ms, SEC, ts};
use crate::device::HeartbeatGen;
use crate::estate::Room;
use crate::ids::{self, EventStream};
use crate::peripheral::PeripheralGen;
use crate::plan::{OneOff, RoomPlan, Target};
use crate::rng::{Rng, Stream};

/// The order of emission: when a line is sent, then its event time, room and sequence, and
/// whether it is the resent copy. Unique per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    pub(crate) emit: Ms,
    pub(crate) ts: Ms,
    pub(crate) room: u32,
    pub(crate) seq: u32,
    pub(crate) copy: u8,
}

/// A line in a room's buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rec {
    pub(crate) key: Key,
    pub(crate) off: u32,
    pub(crate) len: u32,
}

/// A line sent later than its slice (late or a resent copy), with its own bytes.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pending {
    pub(crate) key: Key,
    pub(crate) bytes: Vec<u8>,
}

/// Counts of what a room wrote.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    /// Distinct events per type, in [`EventType::ALL`] order.
    pub(crate) by_type: [u64; 7],
    pub(crate) duplicates: u64,
    pub(crate) late: u64,
}

/// A room's lines of one slice: those sent in the slice, in `buf`, and those sent later.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    pub(crate) buf: Vec<u8>,
    pub(crate) recs: Vec<Rec>,
    pub(crate) pending: Vec<Pending>,
}

impl Lines {
    fn clear(&mut self) {
        self.buf.clear();
        self.recs.clear();
        self.pending.clear();
    }
}

/// Where a room's events of one slice go.
pub(crate) struct Out {
    seed: u64,
    room: u32,
    seq: u32,
    counters: Vec<u64>,
    emit_rng: Rng,
    late: f64,
    duplicates: f64,
    pub(crate) lines: Lines,
    pub(crate) counts: Counts,
}

impl Out {
    fn new(seed: u64, room: &Room, late: f64, duplicates: f64) -> Self {
        Out {
            seed,
            room: room.index as u32,
            seq: 0,
            counters: vec![0; 2 + room.peripherals.len()],
            emit_rng: Rng::stream(seed, room.index as u64, Stream::Emit),
            late,
            duplicates,
            lines: Lines::default(),
            counts: Counts::default(),
        }
    }

    /// The id of the next event of `stream`.
    pub(crate) fn next_id(&mut self, stream: EventStream) -> EventId {
        let counter = match stream {
            EventStream::Heartbeat => 0,
            EventStream::OneOff => 1,
            EventStream::Peripheral(slot) => 2 + slot,
        };
        let n = self.counters[counter];
        self.counters[counter] += 1;
        let mut id = EventId([0u8; 36]);
        ids::event_id(self.seed, self.room as usize, stream, n, &mut id.0);
        id
    }

    /// Sends `body` as the room system's next event of `stream` at time `t`.
    pub(crate) fn send(&mut self, room: &Room, stream: EventStream, t: Ms, body: Body<'_>) {
        let id = self.next_id(stream);
        let event = Event::new(
            id.as_str(),
            ts(t),
            room.system.device_id.as_str(),
            room.room_id.as_str(),
            body,
        );
        self.push(&event, t);
    }

    /// Serializes an event sent at its time `t` and decides whether it is late or resent.
    fn push(&mut self, event: &Event<'_>, t: Ms) {
        let off = self.lines.buf.len();
        event.write_json(&mut self.lines.buf);
        self.counts.by_type[event_type_index(event.event_type())] += 1;
        self.seq += 1;
        let mut key = Key {
            emit: t,
            ts: t,
            room: self.room,
            seq: self.seq,
            copy: 0,
        };

        let late = self.late > 0.0 && self.emit_rng.bernoulli(self.late);
        let dup = self.duplicates > 0.0 && self.emit_rng.bernoulli(self.duplicates);
        if late {
            key.emit = t + self.emit_rng.log_uniform(60.0, 86_400.0) as Ms * SEC;
            self.counts.late += 1;
        }
        if dup {
            let resend = key.emit + self.emit_rng.range_i64(SEC, 10 * 60 * SEC);
            let copy = Key {
                emit: resend,
                copy: 1,
                ..key
            };
            self.lines.pending.push(Pending {
                key: copy,
                bytes: self.lines.buf[off..].to_vec(),
            });
            self.counts.duplicates += 1;
        }
        if late {
            self.lines.pending.push(Pending {
                key,
                bytes: self.lines.buf[off..].to_vec(),
            });
            self.lines.buf.truncate(off);
        } else {
            let len = self.lines.buf.len() - off;
            self.lines.recs.push(Rec {
                key,
                off: off as u32,
                len: len as u32,
            });
        }
    }
}

fn event_type_index(t: EventType) -> usize {
    EventType::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

/// An event id on the stack.
pub(crate) struct EventId([u8; 36]);

impl EventId {
    /// The id as text.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("event ids are ASCII hex digits and dashes")
    }
}

/// One room's event generator.
pub(crate) struct RoomStream<'f> {
    room: &'f Room,
    plan: &'f RoomPlan,
    heartbeats: HeartbeatGen,
    peripherals: Vec<PeripheralGen>,
    next_one_off: usize,
    pub(crate) out: Out,
}

impl<'f> RoomStream<'f> {
    /// A generator positioned at the start of the simulation.
    pub(crate) fn new(
        seed: u64,
        room: &'f Room,
        plan: &'f RoomPlan,
        late: f64,
        duplicates: f64,
    ) -> Self {
        RoomStream {
            room,
            plan,
            heartbeats: HeartbeatGen::new(seed, room, plan),
            peripherals: (0..room.peripherals.len())
                .map(|slot| PeripheralGen::new(seed, room, plan, slot))
                .collect(),
            next_one_off: 0,
            out: Out::new(seed, room, late, duplicates),
        }
    }

    /// Generates the events with `ts` in `[t0, t1)` into [`RoomStream::out`] (cleared first).
    pub(crate) fn slice(&mut self, t0: Ms, t1: Ms) {
        self.out.lines.clear();
        self.heartbeats.run(self.room, self.plan, t1, &mut self.out);
        for g in &mut self.peripherals {
            g.run(self.room, self.plan, t0, t1, &mut self.out);
        }
        while let Some(timed) = self.plan.one_offs.get(self.next_one_off) {
            if timed.ts >= t1 {
                break;
            }
            self.next_one_off += 1;
            let room = self.room;
            let body = one_off_body(room, &timed.item);
            let t = timed.ts;
            self.out.send(room, EventStream::OneOff, t, body);
        }
    }
}

/// The event body of a planned one-off.
fn one_off_body<'a>(room: &'a Room, item: &'a OneOff) -> Body<'a> {
    match item {
        OneOff::Enrollment(action) => Body::Enrollment(Enrollment {
            action: *action,
            platform: room.system.platform(),
            make: room.system.model.make.into(),
            model: room.system.model.model.into(),
            serial: room.system.serial.as_str().into(),
        }),
        OneOff::Booking {
            booking_id,
            start,
            end,
            status,
            attendees,
        } => Body::Booking(Booking {
            booking_id: booking_id.as_str().into(),
            start: ts(*start),
            end: ts(*end),
            status: *status,
            attendees: *attendees,
        }),
        OneOff::Meeting(m) => Body::Meeting(Meeting {
            meeting_id: m.meeting_id.as_str().into(),
            start: ts(m.start),
            end: ts(m.end),
            scheduled: m.booking_id.is_some(),
            booking_id: m.booking_id.as_deref().map(Into::into),
            participants: m.participants,
            people_count: m.people_count,
            platform: m.platform,
            packet_loss_pct: m.packet_loss_pct,
            jitter_ms: m.jitter_ms,
            rtt_ms: m.rtt_ms,
            video_fps: m.video_fps,
        }),
        OneOff::Update {
            update_id,
            component,
            target,
            from,
            to,
            ring,
            status,
            error,
        } => Body::Update(Update {
            update_id: update_id.as_str().into(),
            component: *component,
            target_id: match target {
                Target::Device => room.system.device_id.as_str().into(),
                Target::Peripheral(slot) => room.peripherals[*slot].peripheral_id.as_str().into(),
            },
            from_version: (*from).into(),
            to_version: (*to).into(),
            ring: ring.as_str().into(),
            status: *status,
            error: error.map(Into::into),
        }),
        OneOff::Log {
            level,
            source,
            message,
        } => Body::Log(Log {
            level: *level,
            source: (*source).into(),
            message: message.as_str().into(),
        }),
    }
}
