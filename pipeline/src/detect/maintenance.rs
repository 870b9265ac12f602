//! The window filter: maintenance windows (and the implicit windows of updates in progress)
//! applied where detection's conditions would open incidents (incidents.md).
//!
//! A condition whose opening moment falls inside a matching window opens nothing; if it still
//! holds when the window ends, it opens at the window's end (its start moves there). A matching
//! window: same room; its `device_id`, if any, is the condition's room system or peripheral;
//! its kinds, if any, include the condition's kind. Evidence that belongs to an incident that
//! is already recorded (an open incident the condition extends, or evidence seen before) passes
//! untouched, so an incident open when a window starts stays open and keeps being fed, and a
//! window added after the fact never takes back an incident already opened.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use roomsight_models::alarm::Micros;
use roomsight_models::columns::{ints, strings};
use roomsight_models::features::{self, PeripheralSeries};
use roomsight_queries::Catalog;
use serde_json::Value;

use super::error::Result;
use crate::incidents::model::rfc3339;
use crate::incidents::timeline::RESOLVE_AFTER;
use crate::incidents::{IncidentKey, Incidents, Kind, Observation, State};

const WINDOWS: &str = roomsight_queries::sql::detect::MAINTENANCE_WINDOWS;

/// One window as detection honours it.
#[derive(Clone, Debug, PartialEq)]
pub struct ActiveWindow {
    /// Its id (`mw-…`, or `update:<update_id>`).
    pub window_id: String,
    /// The room.
    pub room_id: String,
    /// The room system or peripheral covered (none: the whole room).
    pub device_id: Option<String>,
    /// The kinds silenced (none: every kind).
    pub kinds: Option<Vec<Kind>>,
    /// Start.
    pub from: DateTime<Utc>,
    /// End, exclusive.
    pub to: DateTime<Utc>,
}

impl From<&crate::maintenance::Window> for ActiveWindow {
    fn from(w: &crate::maintenance::Window) -> Self {
        ActiveWindow {
            window_id: w.window_id.clone(),
            room_id: w.room_id.clone(),
            device_id: w.device_id.clone(),
            kinds: w.kind.map(|k| vec![k]),
            from: w.from,
            to: w.to,
        }
    }
}

impl ActiveWindow {
    fn matches(&self, o: &Observation) -> bool {
        self.room_id == o.room_id
            && self
                .device_id
                .as_deref()
                .is_none_or(|d| d == o.device_id || o.peripheral_id.as_deref() == Some(d))
            && self.kinds.as_ref().is_none_or(|k| k.contains(&o.kind))
    }
}

impl ActiveWindow {
    /// Whether the window says the peripheral's drop-outs and readings are expected: it covers
    /// the peripheral (same room; the peripheral, its room system or the whole room) and
    /// silences `peripheral_disconnected` or `peripheral_degrading` (or every kind). Its own
    /// firmware update does; so does an app or OS update restarting its room system.
    fn excuses(&self, s: &PeripheralSeries) -> bool {
        self.room_id == s.room_id
            && self
                .device_id
                .as_deref()
                .is_none_or(|d| d == s.device_id || d == s.peripheral_id)
            && self.kinds.as_ref().is_none_or(|k| {
                k.contains(&Kind::PeripheralDisconnected) || k.contains(&Kind::PeripheralDegrading)
            })
    }
}

/// Leaves out of every series the windows (of `window` microseconds) that overlap a window
/// excusing it ([`ActiveWindow::excuses`]), so no detector of the model takes an update's
/// drop-outs, re-enumerations or readings as evidence
/// ([`roomsight_models::features::leave_out_excused`]). The window filter ([`honour`]) still
/// decides where conditions open: a peripheral that stays away past the window opens
/// `peripheral_disconnected` at its end. Returns how many windows were left out.
pub fn leave_out_excused(
    series: &mut [PeripheralSeries],
    windows: &[ActiveWindow],
    window: Micros,
) -> usize {
    let mut by_room: HashMap<&str, Vec<&ActiveWindow>> = HashMap::new();
    for w in windows {
        by_room.entry(w.room_id.as_str()).or_default().push(w);
    }
    let mut left_out = 0;
    for s in series.iter_mut() {
        let Some(room) = by_room.get(s.room_id.as_str()) else {
            continue;
        };
        let periods: Vec<(Micros, Micros)> = room
            .iter()
            .filter(|w| w.excuses(s))
            .map(|w| (w.from.timestamp_micros(), w.to.timestamp_micros()))
            .collect();
        left_out += features::leave_out_excused(s, &periods, window);
    }
    left_out
}

/// Every window of `effective_maintenance_windows`.
pub async fn windows(catalog: &Catalog) -> Result<Vec<ActiveWindow>> {
    let rule = "maintenance_windows";
    let batches = super::query::collect(catalog, rule, WINDOWS, &[]).await?;
    let mut out = Vec::new();
    for b in &batches {
        let (id, room, device, kinds) = (
            strings(b, rule, "window_id")?,
            strings(b, rule, "room_id")?,
            strings(b, rule, "device_id")?,
            strings(b, rule, "kinds")?,
        );
        let (from, to) = (ints(b, rule, "from")?, ints(b, rule, "to")?);
        for i in 0..b.num_rows() {
            let (Some(window_id), Some(room_id)) = (id[i].clone(), room[i].clone()) else {
                continue;
            };
            let (Some(from), Some(to)) = (
                from[i].and_then(DateTime::from_timestamp_micros),
                to[i].and_then(DateTime::from_timestamp_micros),
            ) else {
                continue;
            };
            // An unknown kind name silences nothing rather than everything.
            let kinds = kinds[i].as_deref().map(|k| {
                k.split(',')
                    .filter_map(|name| name.trim().parse::<Kind>().ok())
                    .collect()
            });
            out.push(ActiveWindow {
                window_id,
                room_id,
                device_id: device[i].clone(),
                kinds,
                from,
                to,
            });
        }
    }
    Ok(out)
}

/// The union of the windows matching `o`, as sorted disjoint `[from, to)` periods with the id
/// of the window that ends each one last.
fn covering(
    o: &Observation,
    windows: &[ActiveWindow],
) -> Vec<(DateTime<Utc>, DateTime<Utc>, String)> {
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>, String)> = windows
        .iter()
        .filter(|w| w.matches(o))
        .map(|w| (w.from, w.to, w.window_id.clone()))
        .collect();
    spans.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<(DateTime<Utc>, DateTime<Utc>, String)> = Vec::new();
    for (from, to, id) in spans {
        if let Some(last) = out.last_mut()
            && from <= last.1
        {
            if to > last.1 {
                last.1 = to;
                last.2 = id;
            }
            continue;
        }
        out.push((from, to, id));
    }
    out
}

/// Where an observation may open: `Some(start)` (unchanged, or moved to the end of the window
/// it began in) or `None` when it ends inside the window.
fn opening(o: &Observation, windows: &[ActiveWindow]) -> Option<(DateTime<Utc>, Option<String>)> {
    for (from, to, id) in covering(o, windows) {
        if o.start < from {
            break;
        }
        if o.start < to {
            return match o.end {
                Some(end) if end <= to => None,
                _ => Some((to, Some(id))),
            };
        }
    }
    Some((o.start, None))
}

/// Applies the windows to detection's observations, given the incidents already recorded;
/// returns the observations to apply and how many were held back entirely.
pub fn honour(
    mut observations: Vec<Observation>,
    windows: &[ActiveWindow],
    recorded: &Incidents,
) -> (Vec<Observation>, usize) {
    if windows.is_empty() {
        return (observations, 0);
    }
    observations.sort_by(|a, b| a.key().cmp(&b.key()).then(a.start.cmp(&b.start)));
    // Every recorded incident per key: when it opened, and until when evidence belongs to it.
    let mut spans: HashMap<IncidentKey, Vec<Incident>> = HashMap::new();
    for row in &recorded.latest {
        spans.entry(row.key()).or_default().push(Incident {
            opened_at: row.opened_at,
            until: Some(match row.state {
                State::Open => row.last_seen_at + RESOLVE_AFTER,
                State::Resolved | State::Closed => row.last_seen_at,
            }),
        });
    }
    let mut out = Vec::with_capacity(observations.len());
    let mut held = 0;
    let mut key = None;
    // Per key, the incident this run's evidence is walked into (`until: None`: to the end). It
    // starts empty for each key, as on a first run: seeding it with a recorded incident would
    // let earlier evidence stretch that incident back and carry later evidence past a window.
    let mut incident: Option<Incident> = None;
    for mut o in observations {
        if key.as_ref() != Some(&o.key()) {
            key = Some(o.key());
            incident = None;
        }
        let covers =
            |i: &Incident| i.opened_at <= o.start && i.until.is_none_or(|until| o.start < until);
        // Evidence of an incident that opened before it — one open when a window started, one
        // opened before a window was added, or one this run's earlier evidence opens — passes
        // as it is.
        let of_earlier_incident = incident.as_ref().is_some_and(covers)
            || spans.get(&o.key()).is_some_and(|s| s.iter().any(covers));
        match opening(&o, windows) {
            _ if of_earlier_incident => {}
            None => {
                held += 1;
                continue;
            }
            Some((start, Some(id))) => {
                o.details
                    .insert("held_by_maintenance_window".into(), Value::from(id));
                o.details
                    .insert("held_until".into(), Value::from(rfc3339(start)));
                o.start = start;
            }
            Some((_, None)) => {}
        }
        let until = o.end.map(|e| e + RESOLVE_AFTER);
        incident = Some(match incident {
            Some(i) if i.until.is_none_or(|u| o.start < u) => Incident {
                opened_at: i.opened_at.min(o.start),
                until: match (i.until, until) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                },
            },
            _ => Incident {
                opened_at: o.start,
                until,
            },
        });
        out.push(o);
    }
    (out, held)
}

/// The incident a key's evidence is walked into, as far as windows care.
struct Incident {
    opened_at: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use serde_json::Map;

    use super::*;
    use crate::incidents::Severity;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn disconnected(start: i64, end: Option<i64>) -> Observation {
        Observation {
            kind: Kind::PeripheralDisconnected,
            severity: Severity::Critical,
            room_id: "room-1".into(),
            device_id: "dev-1".into(),
            peripheral_id: Some("cam-1".into()),
            start: t(start),
            end: end.map(t),
            summary: String::new(),
            details: Map::new(),
        }
    }

    fn firmware_window(from: i64, to: i64) -> ActiveWindow {
        ActiveWindow {
            window_id: "update:upd-1".into(),
            room_id: "room-1".into(),
            device_id: Some("cam-1".into()),
            kinds: Some(vec![
                Kind::PeripheralDisconnected,
                Kind::PeripheralDegrading,
            ]),
            from: t(from),
            to: t(to),
        }
    }

    #[test]
    fn a_disconnect_inside_its_own_firmware_update_opens_nothing() {
        // Update 0–20 min, window to 30; disconnected 3–18, a condition from 8 to 18.
        let (out, held) = honour(
            vec![disconnected(8, Some(18))],
            &[firmware_window(0, 30)],
            &Incidents::default(),
        );
        assert!(out.is_empty());
        assert_eq!(held, 1);
    }

    #[test]
    fn a_disconnect_that_outlasts_the_window_opens_at_its_end() {
        let (out, held) = honour(
            vec![disconnected(8, Some(60))],
            &[firmware_window(0, 30)],
            &Incidents::default(),
        );
        assert_eq!(held, 0);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].start, t(30));
        assert_eq!(out[0].end, Some(t(60)));
        let (out, _) = honour(
            vec![disconnected(8, None)],
            &[firmware_window(0, 30)],
            &Incidents::default(),
        );
        assert_eq!(out[0].start, t(30));
    }

    #[test]
    fn windows_of_other_subjects_or_kinds_change_nothing() {
        let mut other = firmware_window(0, 30);
        other.device_id = Some("mic-1".into());
        let mut offline_only = firmware_window(0, 30);
        offline_only.device_id = None;
        offline_only.kinds = Some(vec![Kind::DeviceOffline]);
        let mut other_room = firmware_window(0, 30);
        other_room.device_id = None;
        other_room.kinds = None;
        other_room.room_id = "room-2".into();
        let (out, held) = honour(
            vec![disconnected(8, Some(18))],
            &[other, offline_only, other_room],
            &Incidents::default(),
        );
        assert_eq!((out.len(), held), (1, 0));
        assert_eq!(out[0].start, t(8));
    }

    #[test]
    fn a_room_wide_window_covers_the_room_systems_and_peripherals() {
        let mut room = firmware_window(0, 30);
        room.device_id = None;
        room.kinds = None;
        let (out, held) = honour(
            vec![disconnected(8, Some(18))],
            &[room.clone()],
            &Incidents::default(),
        );
        assert_eq!((out.len(), held), (0, 1));
        // The room system named as the window's device covers its peripherals too.
        room.device_id = Some("dev-1".into());
        let (out, _) = honour(
            vec![disconnected(8, Some(18))],
            &[room],
            &Incidents::default(),
        );
        assert!(out.is_empty());
    }

    #[test]
    fn overlapping_windows_hold_until_the_last_one_ends() {
        let (out, _) = honour(
            vec![disconnected(8, None)],
            &[firmware_window(0, 30), firmware_window(25, 50)],
            &Incidents::default(),
        );
        assert_eq!(out[0].start, t(50));
    }

    #[test]
    fn an_incident_opened_at_a_windows_end_keeps_that_moment_on_the_next_run() {
        // First run: the condition 8–60 opens at 30, the window's end.
        let (first, _) = honour(
            vec![disconnected(8, Some(60))],
            &[firmware_window(0, 30)],
            &Incidents::default(),
        );
        let recorded = Incidents::from_events(&[opened_row(&first[0], t(60))]);
        // The same evidence again, and a flap inside the window before it: nothing moves the
        // incident's start back into the window.
        let (again, held) = honour(
            vec![disconnected(2, Some(6)), disconnected(8, Some(60))],
            &[firmware_window(0, 30)],
            &recorded,
        );
        assert_eq!(held, 1);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].start, t(30));
    }

    #[test]
    fn evidence_of_an_incident_already_open_passes_through_a_window() {
        // An incident opened at -30 and still open; the window (added later) covers 0–60.
        let first = disconnected(-30, None);
        let recorded = Incidents::from_events(&[opened_row(&first, t(-5))]);
        let (out, held) = honour(
            vec![disconnected(-30, Some(-5)), disconnected(2, Some(40))],
            &[firmware_window(0, 60)],
            &recorded,
        );
        assert_eq!(held, 0);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].start, t(2), "the open incident keeps being fed");
    }

    #[test]
    fn an_earlier_incident_of_the_same_key_does_not_carry_the_next_one_into_a_window() {
        // Regression: the walk started from the key's newest recorded incident, so on the
        // second run the earlier condition (-120..-100) stretched that incident back and the
        // later one (8..60, held to the window's end at 30 on the first run) passed at 8: the
        // second run rewrote the incident's opening (detect was not idempotent).
        let evidence = vec![disconnected(-120, Some(-100)), disconnected(8, Some(60))];
        let windows = [firmware_window(0, 30)];
        let (first, held) = honour(evidence.clone(), &windows, &Incidents::default());
        assert_eq!(held, 0);
        assert_eq!(first[1].start, t(30));
        let mut resolved = opened_row(&first[0], t(-100));
        resolved.state = State::Resolved;
        let recorded = Incidents::from_events(&[resolved, opened_row(&first[1], t(60))]);
        let (again, held) = honour(evidence, &windows, &recorded);
        assert_eq!(held, 0);
        assert_eq!(
            again.iter().map(|o| o.start).collect::<Vec<_>>(),
            vec![t(-120), t(30)]
        );
    }

    /// A camera of room-1 on dev-1 with a drop-out in each of 96 windows of 15 minutes.
    fn camera(peripheral: &str) -> PeripheralSeries {
        PeripheralSeries {
            peripheral_id: peripheral.into(),
            device_id: "dev-1".into(),
            room_id: "room-1".into(),
            kind: "room_camera".into(),
            make: "Acme".into(),
            model: "Cam".into(),
            firmwares: vec!["1.0".into()],
            windows: (0..96)
                .map(|i| roomsight_models::features::Window {
                    start: t(0).timestamp_micros() + i * W15,
                    firmware: 0,
                    reports: 3,
                    connected: 3,
                    disconnects: 1,
                    errors: 0,
                    metrics: [f32::NAN; 7],
                })
                .collect(),
        }
    }

    const W15: Micros = 900_000_000;

    #[test]
    fn update_time_dropouts_are_left_out_of_the_models_evidence() {
        // The camera's own firmware window 0–30 min covers windows 0 and 1; another
        // peripheral's window and a window that silences only device_offline change nothing.
        let mut other = firmware_window(120, 150);
        other.device_id = Some("mic-1".into());
        let mut offline_only = firmware_window(240, 270);
        offline_only.device_id = None;
        offline_only.kinds = Some(vec![Kind::DeviceOffline]);
        let mut series = vec![camera("cam-1"), camera("mic-1")];
        let left = leave_out_excused(
            &mut series,
            &[firmware_window(0, 30), other, offline_only],
            W15,
        );
        // cam-1 loses windows 0 and 1, mic-1 windows 8 and 9.
        assert_eq!(left, 4);
        assert_eq!(series[0].windows.len(), 94);
        assert_eq!(series[0].windows[0].start, t(30).timestamp_micros());
        assert_eq!(series[1].windows.len(), 94);
        assert_eq!(series[1].windows[8].start, t(150).timestamp_micros());
    }

    #[test]
    fn a_room_system_update_window_excuses_its_peripherals() {
        let app = ActiveWindow {
            window_id: "update:upd-2".into(),
            room_id: "room-1".into(),
            device_id: Some("dev-1".into()),
            kinds: Some(vec![
                Kind::DeviceOffline,
                Kind::PeripheralDisconnected,
                Kind::SignedOut,
            ]),
            from: t(0),
            to: t(20),
        };
        let mut series = vec![camera("cam-1")];
        assert_eq!(leave_out_excused(&mut series, &[app], W15), 2);
    }

    /// The `opened` event of an incident opened at `o.start`, seen until `last_seen`.
    fn opened_row(o: &Observation, last_seen: DateTime<Utc>) -> crate::incidents::IncidentEvent {
        let first = o;
        crate::incidents::IncidentEvent {
            incident_id: crate::incidents::incident_id(&first.key(), first.start),
            seq: 1,
            event: crate::incidents::EventKind::Opened,
            kind: first.kind,
            severity: first.severity,
            state: State::Open,
            origin: crate::incidents::Origin::System,
            room_id: first.room_id.clone(),
            device_id: first.device_id.clone(),
            peripheral_id: first.peripheral_id.clone(),
            opened_at: first.start,
            event_at: first.start,
            last_seen_at: last_seen,
            resolved_at: None,
            closed_at: None,
            summary: String::new(),
            details: Map::new(),
            recorded_at: last_seen,
        }
    }
}
