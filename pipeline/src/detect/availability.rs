//! The availability rules: `device_offline`, `peripheral_disconnected` and `signed_out`.
//!
//! Each reads state changes with SQL (heartbeat silences, sign-in changes, connection
//! changes), turns them into runs of the bad state, and keeps the part of each run after it has
//! held for the rule's threshold. A peripheral's disconnection does not count while its room
//! system is silent (`device_offline` covers that), nor does a sign-out.

use std::collections::BTreeMap;

use roomsight_models::alarm::Micros;
use roomsight_models::columns::{ints, strings};
use roomsight_queries::Catalog;
use roomsight_queries::sql::detect;
use serde_json::{Map, Value, json};

use super::config::RuleConfig;
use super::error::Result;
use super::intervals::{Interval, bad_runs, held_for, without};
use super::observe::{Condition, Subject};
use super::query::{DateRange, run};
use crate::incidents::{Kind, Severity};

const GAPS: &str = detect::HEARTBEAT_GAPS;
const SIGN_IN: &str = detect::SIGN_IN_CHANGES;
const CONNECTION: &str = detect::CONNECTION_CHANGES;
const ENROLLMENT: &str = detect::ENROLLMENT_CHANGES;
const LAST_HEARTBEATS: &str = detect::LAST_HEARTBEATS;

/// Silences shorter than this are heartbeat jitter, not a silent system.
const SILENCE: Micros = 150_000_000;

/// What the heartbeats say about each room system.
#[derive(Debug, Default)]
pub(crate) struct Heartbeats {
    /// Per device: its room, its silences `[last_seen, back_at)`, and its last heartbeat.
    pub(crate) devices: BTreeMap<String, DeviceBeats>,
    /// The newest heartbeat of the fleet: detection's "now" in event time.
    pub(crate) watermark: Micros,
}

/// One room system's heartbeats.
#[derive(Debug, Default)]
pub(crate) struct DeviceBeats {
    pub(crate) room_id: String,
    pub(crate) silences: Vec<(Micros, Micros)>,
    pub(crate) last_seen: Micros,
}

/// Reads every room system's silences.
pub(crate) async fn heartbeats(catalog: &Catalog, range: DateRange) -> Result<Heartbeats> {
    let rule = "device_offline";
    let batches = run(
        catalog,
        rule,
        GAPS,
        range,
        &[("min_gap_us", SILENCE.into())],
    )
    .await?;
    let mut hb = Heartbeats {
        watermark: Micros::MIN,
        ..Heartbeats::default()
    };
    for b in &batches {
        let (dev, room) = (strings(b, rule, "device_id")?, strings(b, rule, "room_id")?);
        let (seen, back) = (ints(b, rule, "last_seen")?, ints(b, rule, "back_at")?);
        for i in 0..b.num_rows() {
            let (Some(d), Some(seen)) = (dev[i].clone(), seen[i]) else {
                continue;
            };
            let e = hb.devices.entry(d).or_default();
            e.room_id = room[i].clone().unwrap_or_default();
            match back[i] {
                Some(back) => e.silences.push((seen, back)),
                None => {
                    e.last_seen = seen;
                    hb.watermark = hb.watermark.max(seen);
                }
            }
        }
    }
    for d in hb.devices.values_mut() {
        d.silences.sort_unstable();
    }
    Ok(hb)
}

/// Each room system's enrollments (`true`) and unenrollments (`false`), in time order, with the
/// room each event named.
#[derive(Debug, Default)]
struct Enrollments(BTreeMap<String, Vec<(Micros, bool, String)>>);

impl Enrollments {
    async fn read(catalog: &Catalog, range: DateRange) -> Result<Enrollments> {
        let rule = "device_offline";
        let batches = run(catalog, rule, ENROLLMENT, range, &[]).await?;
        let mut out: BTreeMap<String, Vec<(Micros, bool, String)>> = BTreeMap::new();
        for b in &batches {
            let (dev, room, ts, action) = (
                strings(b, rule, "device_id")?,
                strings(b, rule, "room_id")?,
                ints(b, rule, "ts")?,
                strings(b, rule, "action")?,
            );
            for i in 0..b.num_rows() {
                if let (Some(d), Some(t), Some(a)) = (dev[i].clone(), ts[i], action[i].as_deref()) {
                    let room = room[i].clone().unwrap_or_default();
                    out.entry(d).or_default().push((t, a == "enrolled", room));
                }
            }
        }
        for v in out.values_mut() {
            v.sort_by_key(|e| e.0);
        }
        Ok(Enrollments(out))
    }

    /// Whether `device` is under management at `t`: its latest enrollment event at or before
    /// `t` is `enrolled` (device_reliability_daily's enrolled periods).
    fn managed_at(&self, device: &str, t: Micros) -> bool {
        self.0.get(device).is_some_and(|v| {
            v.iter()
                .take_while(|e| e.0 <= t)
                .last()
                .is_some_and(|e| e.1)
        })
    }

    /// Whether `device` was unenrolled between `from` and `to`.
    fn unenrolled_during(&self, device: &str, from: Micros, to: Micros) -> bool {
        self.0
            .get(device)
            .is_some_and(|v| v.iter().any(|e| !e.1 && e.0 >= from && e.0 <= to))
    }

    /// The room its latest enrollment event at or before `t` named.
    fn room_at(&self, device: &str, t: Micros) -> String {
        self.0
            .get(device)
            .and_then(|v| v.iter().take_while(|e| e.0 <= t).last())
            .map(|e| e.2.clone())
            .unwrap_or_default()
    }
}

/// `device_offline`: silences of at least the threshold of room systems under management (an
/// `enrolled` event and no later `unenrolled` at the last heartbeat before the silence), and a
/// managed system silent at the watermark for that long, also one silent for the whole range
/// read (its silence starts at its last heartbeat before the range). A silence during which the
/// system was unenrolled is a decommissioning, not an outage: it opens nothing.
pub(crate) async fn offline(
    catalog: &Catalog,
    range: DateRange,
    hb: &Heartbeats,
    cfg: &RuleConfig,
) -> Result<Vec<Condition>> {
    let rule = "device_offline";
    let after = RuleConfig::micros(cfg.offline_minutes);
    let enrollments = Enrollments::read(catalog, range).await?;
    let mut silent: Vec<(String, DeviceBeats)> = hb
        .devices
        .iter()
        .map(|(device, d)| {
            let beats = DeviceBeats {
                room_id: d.room_id.clone(),
                silences: d.silences.clone(),
                last_seen: d.last_seen,
            };
            (device.clone(), beats)
        })
        .collect();
    // Systems under management that sent nothing in the range: silent throughout it.
    let quiet: Vec<&String> = enrollments
        .0
        .keys()
        .filter(|d| !hb.devices.contains_key(*d) && enrollments.managed_at(d, hb.watermark))
        .collect();
    if !quiet.is_empty() {
        let batches = run(catalog, rule, LAST_HEARTBEATS, range, &[]).await?;
        for b in &batches {
            let (dev, seen) = (strings(b, rule, "device_id")?, ints(b, rule, "last_seen")?);
            for i in 0..b.num_rows() {
                if let (Some(d), Some(seen)) = (dev[i].as_ref(), seen[i])
                    && quiet.contains(&d)
                {
                    let beats = DeviceBeats {
                        room_id: enrollments.room_at(d, seen),
                        silences: Vec::new(),
                        last_seen: seen,
                    };
                    silent.push((d.clone(), beats));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (device, beats) in &silent {
        let mut periods: Vec<Interval> = beats
            .silences
            .iter()
            .map(|&(s, e)| Interval {
                start: s,
                end: Some(e),
            })
            .collect();
        periods.push(Interval {
            start: beats.last_seen,
            end: None,
        });
        for p in periods {
            let to = p.end.unwrap_or(hb.watermark);
            if !enrollments.managed_at(device, p.start)
                || enrollments.unenrolled_during(device, p.start - SILENCE, to)
            {
                continue;
            }
            let Some(held) = held_for(p, after, hb.watermark) else {
                continue;
            };
            let mut details = Map::new();
            details.insert("last_heartbeat".into(), json_ts(p.start));
            if let Some(back) = p.end {
                details.insert("back_at".into(), json_ts(back));
            }
            out.push(Condition {
                kind: Kind::DeviceOffline,
                severity: Severity::Critical,
                subject: Subject::device(&beats.room_id, device),
                interval: held,
                summary: format!("no heartbeat for {} minutes or more", cfg.offline_minutes),
                details,
            });
        }
    }
    Ok(out)
}

/// `signed_out`: heartbeats saying Teams is signed out for the threshold, silences excluded.
pub(crate) async fn signed_out(
    catalog: &Catalog,
    range: DateRange,
    hb: &Heartbeats,
    cfg: &RuleConfig,
) -> Result<Vec<Condition>> {
    let rule = "signed_out";
    let batches = run(catalog, rule, SIGN_IN, range, &[]).await?;
    let mut changes: BTreeMap<(String, String), Vec<(Micros, bool)>> = BTreeMap::new();
    for b in &batches {
        let (dev, room, ts) = (
            strings(b, rule, "device_id")?,
            strings(b, rule, "room_id")?,
            ints(b, rule, "ts")?,
        );
        let signed_in = ints(b, rule, "teams_signed_in")?;
        for i in 0..b.num_rows() {
            if let (Some(d), Some(t), Some(s)) = (dev[i].clone(), ts[i], signed_in[i]) {
                let key = (d, room[i].clone().unwrap_or_default());
                changes.entry(key).or_default().push((t, s == 0));
            }
        }
    }
    let after = RuleConfig::micros(cfg.signed_out_minutes);
    let mut out = Vec::new();
    for ((device, room), ch) in changes {
        let silences = hb.devices.get(&device).map_or(&[][..], |d| &d.silences[..]);
        for run in bad_runs(&ch) {
            for piece in without(run, silences, hb.watermark) {
                if let Some(held) = held_for(piece, after, hb.watermark) {
                    out.push(Condition {
                        kind: Kind::SignedOut,
                        severity: Severity::Critical,
                        subject: Subject::device(&room, &device),
                        interval: held,
                        summary: format!(
                            "Teams signed out for {} minutes or more",
                            cfg.signed_out_minutes
                        ),
                        details: Map::from_iter([(
                            "signed_out_since".into(),
                            json_ts(piece.start),
                        )]),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// `peripheral_disconnected`: the latest state `disconnected` for the threshold, the room
/// system's silences excluded; warning for optional peripherals.
pub(crate) async fn disconnected(
    catalog: &Catalog,
    range: DateRange,
    hb: &Heartbeats,
    cfg: &RuleConfig,
) -> Result<Vec<Condition>> {
    let rule = "peripheral_disconnected";
    let batches = run(catalog, rule, CONNECTION, range, &[]).await?;
    struct Peripheral {
        device_id: String,
        room_id: String,
        kind: String,
        optional: bool,
        changes: Vec<(Micros, bool)>,
    }
    let mut by: BTreeMap<String, Peripheral> = BTreeMap::new();
    for b in &batches {
        let (pid, dev, room, kind) = (
            strings(b, rule, "peripheral_id")?,
            strings(b, rule, "device_id")?,
            strings(b, rule, "room_id")?,
            strings(b, rule, "kind")?,
        );
        let (optional, ts, conn) = (
            ints(b, rule, "optional")?,
            ints(b, rule, "ts")?,
            strings(b, rule, "connection")?,
        );
        for i in 0..b.num_rows() {
            let (Some(p), Some(t)) = (pid[i].clone(), ts[i]) else {
                continue;
            };
            let e = by.entry(p).or_insert_with(|| Peripheral {
                device_id: dev[i].clone().unwrap_or_default(),
                room_id: room[i].clone().unwrap_or_default(),
                kind: kind[i].clone().unwrap_or_default(),
                optional: false,
                changes: Vec::new(),
            });
            e.optional = optional[i].unwrap_or(0) != 0;
            e.changes
                .push((t, conn[i].as_deref() == Some("disconnected")));
        }
    }
    let after = RuleConfig::micros(cfg.disconnected_minutes);
    let mut out = Vec::new();
    for (pid, p) in by {
        let silences = hb
            .devices
            .get(&p.device_id)
            .map_or(&[][..], |d| &d.silences[..]);
        for run in bad_runs(&p.changes) {
            for piece in without(run, silences, hb.watermark) {
                if let Some(held) = held_for(piece, after, hb.watermark) {
                    out.push(Condition {
                        kind: Kind::PeripheralDisconnected,
                        severity: if p.optional {
                            Severity::Warning
                        } else {
                            Severity::Critical
                        },
                        subject: Subject::peripheral(&p.room_id, &p.device_id, &pid),
                        interval: held,
                        summary: format!(
                            "{} disconnected for {} minutes or more",
                            p.kind, cfg.disconnected_minutes
                        ),
                        details: Map::from_iter([
                            ("peripheral_kind".into(), Value::from(p.kind.clone())),
                            ("optional".into(), Value::from(p.optional)),
                            ("disconnected_since".into(), json_ts(piece.start)),
                        ]),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// A time as RFC 3339 text for details.
pub(crate) fn json_ts(t: Micros) -> Value {
    chrono::DateTime::from_timestamp_micros(t).map_or(Value::Null, |d| {
        json!(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    })
}
