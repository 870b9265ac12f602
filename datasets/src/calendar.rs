//! The room calendar: bookings in local business hours, and the meetings that happen.
//!
//! Bookings fill Monday–Friday 08:00–18:00 in the room's own time zone (daylight saving
//! included), as busy as the room is popular. Each is created ahead of time (the event's `ts`),
//! some are later moved or cancelled (a second event), most accepted ones become a meeting near
//! the booked time, some are no-shows. Walk-in meetings fill free gaps, the odd late call runs
//! past midnight, and meetings overrun into the next. A meeting is sent when it ends.

use roomsight_ingest::vocab::{BookingStatus, MeetingPlatform, PeripheralKind};

use crate::call;
use crate::clock::{
    DAY, HOUR, MIN, Ms, SEC, Span, is_weekday, local_date, local_ms, merge_spans, minutes,
};
use crate::estate::Room;
use crate::faults::PeripheralPlan;
use crate::logs;
use crate::plan::{OneOff, Timed};
use crate::power::{PowerPlan, Window};
use crate::rng::{Rng, Stream};

/// One meeting as it will be reported.
#[derive(Debug, Clone)]
pub(crate) struct MeetingPlan {
    pub(crate) meeting_id: String,
    pub(crate) start: Ms,
    pub(crate) end: Ms,
    pub(crate) booking_id: Option<String>,
    pub(crate) participants: i64,
    pub(crate) people_count: Option<i64>,
    pub(crate) platform: MeetingPlatform,
    pub(crate) packet_loss_pct: f64,
    pub(crate) jitter_ms: f64,
    pub(crate) rtt_ms: f64,
    pub(crate) video_fps: Option<f64>,
}

/// A booked interval before it is turned into events.
struct Slot {
    start: Ms,
    end: Ms,
    attendees: i64,
}

/// A meeting's time and origin before its details are drawn.
struct Held {
    start: Ms,
    end: Ms,
    booking: Option<(String, i64)>,
}

/// Plans a room's bookings and meetings into `out`; returns when the room is in a meeting.
pub(crate) fn plan_room(
    room: &Room,
    w: &Window,
    power: &PowerPlan,
    peripherals: &[PeripheralPlan],
    site_trouble: &[Span],
    out: &mut Vec<Timed>,
) -> Vec<Span> {
    let mut rng = Rng::stream(w.seed, room.index as u64, Stream::Calendar);
    let tz = room.site.tz;
    let mut held: Vec<Held> = Vec::new();
    let mut n_booking = 0u64;
    let mut date = local_date(tz, w.start);
    let last = local_date(tz, w.end);
    while date <= last {
        let at = |minute: i64| local_ms(tz, date, minute);
        let mut day: Vec<Slot> = Vec::new();
        if is_weekday(date) {
            let mut cursor = 8 * 60 + if rng.bernoulli(0.3) { 30 } else { 0 };
            while cursor < 18 * 60 - 15 {
                if !rng.bernoulli(room.popularity) {
                    cursor += *rng.choose(&[15, 30, 30, 60, 90]);
                    continue;
                }
                let len = *rng.choose_weighted(&[
                    (15, 0.05),
                    (30, 0.35),
                    (45, 0.1),
                    (60, 0.32),
                    (90, 0.1),
                    (120, 0.08),
                ]);
                let end = (cursor + len).min(19 * 60);
                day.push(Slot {
                    start: at(cursor),
                    end: at(end),
                    attendees: attendees(&mut rng, room.capacity),
                });
                cursor = end;
            }
            // Walk-ins take free gaps; the odd early or late call (a late one can run past midnight).
            let walk_ins = rng.poisson(if room.is_huddle() { 1.3 } else { 0.5 });
            for _ in 0..walk_ins {
                let start = at(rng.range_i64(8 * 60, 17 * 60 + 30));
                let s = Span::new(start, start + minutes(rng.uniform(10.0, 50.0)));
                if !day
                    .iter()
                    .any(|b| Span::new(b.start, b.end).overlaps(&s, 0))
                {
                    held.push(Held {
                        start: s.start,
                        end: s.end,
                        booking: None,
                    });
                }
            }
            if rng.bernoulli(0.03) {
                let start = at(rng.range_i64(7 * 60, 7 * 60 + 40));
                held.push(Held {
                    start,
                    end: start + minutes(rng.uniform(20.0, 45.0)),
                    booking: None,
                });
            }
            if rng.bernoulli(0.02) {
                let start = at(rng.range_i64(21 * 60 + 30, 23 * 60 + 30));
                held.push(Held {
                    start,
                    end: start + minutes(rng.uniform(60.0, 150.0)),
                    booking: None,
                });
            }
        } else if rng.bernoulli(0.04) {
            let start = at(rng.range_i64(10 * 60, 16 * 60));
            held.push(Held {
                start,
                end: start + minutes(rng.uniform(15.0, 90.0)),
                booking: None,
            });
        }
        for slot in day {
            n_booking += 1;
            let booking_id = format!("bk-{}-{:05}", &room.room_id[5..], n_booking);
            if let Some(h) = book(&mut rng, power, slot, booking_id, out) {
                held.push(h);
            }
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }

    let camera = room
        .peripherals
        .iter()
        .position(|p| p.kind == PeripheralKind::RoomCamera);
    let mut busy = Vec::new();
    let mut n_meeting = 0u64;
    held.sort_by_key(|h| (h.start, h.end));
    for h in held {
        // A meeting needs a managed, running room system; a restart or outage ends the call.
        if h.start < power.enrolled_at + MIN || h.end >= power.active_end || !power.is_up(h.start) {
            continue;
        }
        let end = match power
            .downs
            .iter()
            .find(|d| h.start < d.span.start && d.span.start < h.end)
        {
            Some(d) => d.span.start - SEC,
            None => h.end,
        };
        if end - h.start < 5 * MIN {
            continue;
        }
        n_meeting += 1;
        let cam = camera.map(|slot| &peripherals[slot]);
        let trouble = site_trouble.iter().any(|s| s.contains(h.start));
        let meeting = call::describe(
            &mut rng,
            w.seed,
            room,
            n_meeting,
            (h.start, end),
            h.booking,
            cam,
            trouble,
        );
        busy.push(Span::new(meeting.start, meeting.end));
        logs::meeting_lines(&mut rng, room, &meeting, power, out);
        out.push(Timed {
            ts: meeting.end,
            item: OneOff::Meeting(Box::new(meeting)),
        });
    }
    merge_spans(&mut busy);
    busy
}

/// Invited people for a booking in a room of `capacity` seats.
fn attendees(rng: &mut Rng, capacity: u32) -> i64 {
    let c = f64::from(capacity);
    (rng.normal(c * 0.6, c * 0.3).round() as i64).clamp(1, i64::from(capacity) + 4)
}

/// Sends a booking's events and returns the meeting it leads to, if one is held.
fn book(
    rng: &mut Rng,
    power: &PowerPlan,
    slot: Slot,
    booking_id: String,
    out: &mut Vec<Timed>,
) -> Option<Held> {
    if slot.start < power.enrolled_at + 10 * MIN || slot.end >= power.active_end {
        return None;
    }
    let lead = match rng.f64() {
        x if x < 0.3 => minutes(rng.uniform(10.0, 360.0)),
        x if x < 0.8 => minutes(rng.uniform(1.0, 7.0) * 24.0 * 60.0),
        _ => minutes(rng.uniform(7.0, 21.0) * 24.0 * 60.0),
    };
    // Bookings made before management began are first sent by the first calendar sync.
    let created = (slot.start - lead).max(power.enrolled_at + rng.range_i64(30 * SEC, HOUR));
    if created >= slot.start - MIN {
        return None;
    }
    let booking = |start, end, status| OneOff::Booking {
        booking_id: booking_id.clone(),
        start,
        end,
        status,
        attendees: slot.attendees,
    };
    let created = power.next_up(created)?;
    out.push(Timed {
        ts: created,
        item: booking(slot.start, slot.end, BookingStatus::Accepted),
    });
    logs::booking_line(rng, &booking_id, created, out);

    let (mut start, mut end) = (slot.start, slot.end);
    let can_change = slot.start - created > 10 * MIN;
    match rng.f64() {
        x if x < 0.08 && can_change => {
            let at = rng.range_i64(created + MIN, slot.start - MIN);
            if let Some(at) = power.next_up(at).filter(|&t| t < slot.start) {
                out.push(Timed {
                    ts: at,
                    item: booking(start, end, BookingStatus::Cancelled),
                });
                return None;
            }
        }
        x if x < 0.20 && can_change => {
            let at = rng.range_i64(created + MIN, slot.start - 5 * MIN);
            let shift = minutes(f64::from(*rng.choose(&[-60, -30, 30, 60])));
            let (s, e) = if rng.bernoulli(0.5) {
                (start + shift, end + shift)
            } else {
                (start, (end + shift).max(start + 15 * MIN))
            };
            if let Some(at) = power
                .next_up(at)
                .filter(|&t| t < s.min(start) && e < power.active_end)
            {
                out.push(Timed {
                    ts: at,
                    item: booking(s, e, BookingStatus::Accepted),
                });
                (start, end) = (s, e);
            }
        }
        _ => {}
    }
    if rng.bernoulli(0.18) {
        return None; // a no-show: booked, nobody came
    }
    let begin = start + minutes(rng.normal(1.5, 3.0).clamp(-5.0, 12.0));
    let finish = if rng.bernoulli(0.08) {
        end + minutes(rng.uniform(5.0, 25.0))
    } else {
        end + minutes(rng.normal(-2.0, 4.0).clamp(-20.0, 4.0))
    };
    let finish = finish.max(begin + 5 * MIN).min(begin + DAY - HOUR);
    Some(Held {
        start: begin,
        end: finish,
        booking: Some((booking_id, slot.attendees)),
    })
}
