//! The lifecycle's decisions, as a pure function of the stored events, the observations and
//! the time: which incident events happen next.
//!
//! Per key `(kind, device_id, peripheral_id)` the latest incident is walked forward through the
//! key's merged condition intervals, in time order:
//! - evidence after the incident's `last_seen_at` extends it (open), reopens it (resolved, the
//!   condition back within 60 minutes of resolving) or opens a new one (no incident, closed, or
//!   resolved longer than 60 minutes ago);
//! - evidence up to `last_seen_at` was seen before and changes nothing, except that an interval
//!   that ends at most 75 minutes (15 to resolve + 60 to reopen) before the incident opened moves
//!   its `opened_at` earlier (late data; the id stays);
//! - between intervals and at the end, time passes: an open system incident whose condition
//!   has been clear for 15 minutes resolves at `last_seen_at + 15 min`; an incident without
//!   activity closes after 15 (system, resolved only) or 3 (customer) business days.
//! - an incident resolves only on evidence that its condition cleared: detection looked at the
//!   time since it was last seen (`last_seen_at` at or after the start of what detection read,
//!   `observed_from`) and the condition did not hold after it. An open incident last
//!   seen before that start (a `detect --from` that begins after it) is left open: no
//!   observation of it is no evidence.
//!
//! Evidence that changes the incident without changing its state (a later `last_seen_at`, an
//! earlier `opened_at`, severity, summary, details) is carried by the next event, or by one
//! `updated` event at the end. Seeing the same observations again therefore yields nothing, and
//! every event's `event_at` is event time, never earlier than the incident's previous event.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::business_days::after_business_days;
use super::model::{
    EventKind, IncidentEvent, IncidentKey, Observation, Origin, Severity, State, incident_id,
};

/// How long a condition must be clear before its incident resolves.
pub const RESOLVE_AFTER: Duration = Duration::minutes(15);
/// How soon after resolving a returning condition reopens the same incident.
pub const REOPEN_WITHIN: Duration = Duration::minutes(60);
/// Business days without activity after which a resolved system incident closes.
pub const SYSTEM_CLOSE_BUSINESS_DAYS: u32 = 15;
/// Business days without activity after which a customer incident closes.
pub const CUSTOMER_CLOSE_BUSINESS_DAYS: u32 = 3;

/// The latest state of every incident, from its events.
#[derive(Clone, Debug, Default)]
pub struct Incidents {
    /// The latest event of each incident, in the order the incidents first appeared.
    pub latest: Vec<IncidentEvent>,
}

impl Incidents {
    /// Folds events (in store order) into the latest event per incident.
    pub fn from_events(events: &[IncidentEvent]) -> Incidents {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut latest: Vec<IncidentEvent> = Vec::new();
        for e in events {
            match index.get(e.incident_id.as_str()) {
                Some(&i) => {
                    if e.seq > latest[i].seq {
                        latest[i] = e.clone();
                    }
                }
                None => {
                    index.insert(&e.incident_id, latest.len());
                    latest.push(e.clone());
                }
            }
        }
        Incidents { latest }
    }

    /// The incident with this id.
    pub fn get(&self, id: &str) -> Option<&IncidentEvent> {
        self.latest.iter().find(|e| e.incident_id == id)
    }

    /// The newest incident of a key, whatever its state.
    pub fn newest_of(&self, key: &IncidentKey) -> Option<&IncidentEvent> {
        self.latest.iter().rev().find(|e| &e.key() == key)
    }
}

/// One incident being walked forward: its current row and whether it changed since the last
/// event emitted for it.
struct Working {
    row: IncidentEvent,
    dirty: bool,
}

/// Merged condition interval of one key.
struct Interval {
    start: DateTime<Utc>,
    /// `None`: still holding at `now`.
    end: Option<DateTime<Utc>>,
    severity: Severity,
    room_id: String,
    summary: String,
    details: Map<String, Value>,
}

/// What time it is and where, for one decision.
pub(crate) struct Clock<'a> {
    pub(crate) now: DateTime<Utc>,
    pub(crate) zones: &'a (dyn Fn(&str) -> Tz + Sync),
    /// The start of what detection looked at: the absence of a condition after this moment is
    /// evidence that it cleared; before it, nothing is known.
    pub(crate) observed_from: DateTime<Utc>,
}

/// The events that `observations` (every condition interval seen up to `now`) cause, given the
/// incidents as `events` recorded them.
pub(crate) fn decide(
    events: &[IncidentEvent],
    observations: Vec<Observation>,
    clock: &Clock<'_>,
) -> Vec<IncidentEvent> {
    let incidents = Incidents::from_events(events);
    let mut out = Vec::new();
    let mut by_key: BTreeMap<IncidentKey, Vec<Observation>> = BTreeMap::new();
    for o in observations {
        if o.start <= clock.now {
            by_key.entry(o.key()).or_default().push(o);
        }
    }
    // Incidents already brought up to `now` while walking their key's evidence.
    let mut done: HashSet<String> = HashSet::new();
    for (key, obs) in by_key {
        let mut working = incidents
            .newest_of(&key)
            .cloned()
            .map(|row| Working { row, dirty: false });
        for iv in merge(obs, clock.now) {
            if let Some(old) = step(&mut working, &key, iv, clock, &mut out) {
                done.insert(finish(old, clock, &mut out));
            }
        }
        if let Some(w) = working {
            done.insert(finish(w, clock, &mut out));
        }
    }
    // The others only see time pass.
    for row in &incidents.latest {
        if row.state == State::Closed || done.contains(&row.incident_id) {
            continue;
        }
        let w = Working {
            row: row.clone(),
            dirty: false,
        };
        finish(w, clock, &mut out);
    }
    out
}

/// Sorts a key's observations and merges overlapping ones; the merged interval takes the
/// severity, summary and room of its latest observation and the union of the details.
fn merge(mut obs: Vec<Observation>, now: DateTime<Utc>) -> Vec<Interval> {
    obs.sort_by(|a, b| a.start.cmp(&b.start).then(a.end.cmp(&b.end)));
    let mut out: Vec<Interval> = Vec::new();
    for o in obs {
        let end = o.end.filter(|&e| e < now);
        if let Some(last) = out.last_mut()
            && last.end.is_none_or(|e| o.start <= e)
        {
            last.end = match (last.end, end) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
            last.severity = o.severity;
            last.room_id = o.room_id;
            if !o.summary.is_empty() {
                last.summary = o.summary;
            }
            last.details.extend(o.details);
            continue;
        }
        out.push(Interval {
            start: o.start,
            end,
            severity: o.severity,
            room_id: o.room_id,
            summary: o.summary,
            details: o.details,
        });
    }
    out
}

/// Walks one interval of evidence into the key's newest incident; returns the incident it
/// replaced when the evidence opened a new one.
fn step(
    working: &mut Option<Working>,
    key: &IncidentKey,
    iv: Interval,
    clock: &Clock<'_>,
    out: &mut Vec<IncidentEvent>,
) -> Option<Working> {
    let end = iv.end.unwrap_or(clock.now);
    let Some(w) = working.as_mut() else {
        *working = Some(open(key, &iv, end, clock.now, out));
        return None;
    };
    // Late data: the condition held shortly before the incident opened.
    if w.row.state != State::Closed
        && iv.start < w.row.opened_at
        && end >= w.row.opened_at - RESOLVE_AFTER - REOPEN_WITHIN
    {
        w.row.opened_at = iv.start;
        w.dirty = true;
    }
    if end <= w.row.last_seen_at {
        return None; // seen before
    }
    advance(w, iv.start, clock, out);
    match w.row.state {
        State::Open => {
            extend(w, &iv, end);
            None
        }
        State::Resolved
            if w.row
                .resolved_at
                .is_none_or(|r| iv.start <= r + REOPEN_WITHIN) =>
        {
            extend(w, &iv, end);
            w.row.state = State::Open;
            w.row.resolved_at = None;
            let at = iv.start.max(w.row.event_at);
            emit(w, EventKind::Reopened, at, clock.now, out);
            None
        }
        State::Resolved | State::Closed => {
            let start = iv.start.max(w.row.closed_at.unwrap_or(iv.start));
            let iv = Interval { start, ..iv };
            working.replace(open(key, &iv, end, clock.now, out))
        }
    }
}

/// Takes in new evidence up to `end`.
fn extend(w: &mut Working, iv: &Interval, end: DateTime<Utc>) {
    let row = &mut w.row;
    let before = (
        row.last_seen_at,
        row.severity,
        row.summary.clone(),
        row.details.clone(),
    );
    row.last_seen_at = row.last_seen_at.max(end);
    row.severity = iv.severity;
    row.room_id.clone_from(&iv.room_id);
    if !iv.summary.is_empty() {
        row.summary.clone_from(&iv.summary);
    }
    row.details.extend(iv.details.clone());
    if before
        != (
            row.last_seen_at,
            row.severity,
            row.summary.clone(),
            row.details.clone(),
        )
    {
        w.dirty = true;
    }
}

fn open(
    key: &IncidentKey,
    iv: &Interval,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
    out: &mut Vec<IncidentEvent>,
) -> Working {
    let row = IncidentEvent {
        incident_id: incident_id(key, iv.start),
        seq: 0,
        event: EventKind::Opened,
        kind: key.kind,
        severity: iv.severity,
        state: State::Open,
        origin: Origin::System,
        room_id: iv.room_id.clone(),
        device_id: key.device_id.clone(),
        peripheral_id: key.peripheral_id.clone(),
        opened_at: iv.start,
        event_at: iv.start,
        last_seen_at: end,
        resolved_at: None,
        closed_at: None,
        summary: iv.summary.clone(),
        details: iv.details.clone(),
        recorded_at: now,
    };
    let mut w = Working { row, dirty: false };
    emit(&mut w, EventKind::Opened, iv.start, now, out);
    w
}

/// Lets time pass up to `t` with no evidence: resolves, then closes, when due.
fn advance(w: &mut Working, t: DateTime<Utc>, clock: &Clock<'_>, out: &mut Vec<IncidentEvent>) {
    let row = &w.row;
    if row.state == State::Open
        && row.origin == Origin::System
        && row.last_seen_at >= clock.observed_from
        && row.last_seen_at + RESOLVE_AFTER <= t
    {
        let at = (row.last_seen_at + RESOLVE_AFTER).max(row.event_at);
        w.row.state = State::Resolved;
        w.row.resolved_at = Some(at);
        emit(w, EventKind::Resolved, at, clock.now, out);
    }
    let row = &w.row;
    let days = match (row.origin, row.state) {
        (Origin::System, State::Resolved) => SYSTEM_CLOSE_BUSINESS_DAYS,
        (Origin::Customer, State::Open | State::Resolved) => CUSTOMER_CLOSE_BUSINESS_DAYS,
        _ => return,
    };
    let due = after_business_days(row.event_at, days, (clock.zones)(&row.room_id));
    if due <= t {
        w.row.state = State::Closed;
        w.row.closed_at = Some(due);
        emit(w, EventKind::Closed, due, clock.now, out);
    }
}

/// Brings an incident up to `now`: resolves or closes it when due, and emits an `updated`
/// event if it changed since its last event. Returns its id.
fn finish(mut w: Working, clock: &Clock<'_>, out: &mut Vec<IncidentEvent>) -> String {
    if w.row.state != State::Closed {
        advance(&mut w, clock.now, clock, out);
    }
    if w.dirty {
        let at = w.row.last_seen_at.max(w.row.event_at);
        emit(&mut w, EventKind::Updated, at, clock.now, out);
    }
    w.row.incident_id
}

/// Records the working row as the incident's next event.
fn emit(
    w: &mut Working,
    event: EventKind,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    out: &mut Vec<IncidentEvent>,
) {
    w.row.seq += 1;
    w.row.event = event;
    w.row.event_at = at;
    w.row.recorded_at = now;
    w.dirty = false;
    out.push(w.row.clone());
}

#[cfg(test)]
mod tests;
