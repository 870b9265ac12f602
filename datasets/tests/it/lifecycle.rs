//! Enrollment, rollouts ring by ring, versions after updates, and log lines.

use std::collections::{BTreeMap, HashMap};

use crate::{Ev, faulty};

#[test]
fn every_room_system_enrolls_first_and_one_leaves() {
    let sim = faulty();
    let mut first: HashMap<&str, &Ev> = HashMap::new();
    for e in &sim.events {
        first.entry(e.device_id.as_str()).or_insert(e);
    }
    assert_eq!(first.len(), sim.fleet.rooms().len());
    for e in first.values() {
        assert_eq!(
            (e.ty.as_str(), e.action.as_deref()),
            ("enrollment", Some("enrolled"))
        );
    }
    let gone: Vec<&Ev> = sim
        .events
        .iter()
        .filter(|e| e.action.as_deref() == Some("unenrolled"))
        .collect();
    assert!(!gone.is_empty(), "no room system left management");
    for u in gone {
        let later = sim
            .events
            .iter()
            .filter(|e| e.device_id == u.device_id && e.t > u.t)
            .count();
        assert_eq!(later, 0, "{} kept sending after unenrolling", u.device_id);
        assert!(u.t > sim.fleet.start().secs() * 1000 + 86_400_000 / 2);
    }
}

#[test]
fn rollouts_go_ring_by_ring_and_versions_follow() {
    let sim = faulty();
    let updates = sim.of_type("update");
    // First start per (component, to_version) and ring.
    let mut first: BTreeMap<(String, String), BTreeMap<String, i64>> = BTreeMap::new();
    for u in updates
        .iter()
        .filter(|u| u.status.as_deref() == Some("started"))
    {
        let key = (u.component.clone().unwrap(), u.to_version.clone().unwrap());
        let ring = first
            .entry(key)
            .or_default()
            .entry(u.ring.clone().unwrap())
            .or_insert(u.t);
        *ring = (*ring).min(u.t);
    }
    let mut ordered = 0;
    for (key, rings) in &first {
        let (v, p, g) = (
            rings.get("validation"),
            rings.get("pilot"),
            rings.get("general"),
        );
        if let (Some(v), Some(p)) = (v, p) {
            assert!(v < p, "{key:?}: pilot before validation");
            ordered += 1;
        }
        if let (Some(p), Some(g)) = (p, g) {
            assert!(p < g, "{key:?}: general before pilot");
        }
    }
    assert!(ordered >= 2, "{first:?}");
    for status in ["scheduled", "started", "succeeded"] {
        assert!(
            updates.iter().any(|u| u.status.as_deref() == Some(status)),
            "no {status} steps"
        );
    }
    let rooms: HashMap<&str, &str> = sim
        .fleet
        .rooms()
        .iter()
        .map(|r| (r.room_id.as_str(), r.ring.as_str()))
        .collect();
    assert!(
        updates
            .iter()
            .all(|u| u.ring.as_deref() == Some(rooms[u.room_id.as_str()]))
    );

    // After a step succeeds the target reports the new version.
    let beats = sim.of_type("heartbeat");
    let mut checked = 0;
    for u in updates
        .iter()
        .filter(|u| u.status.as_deref() == Some("succeeded"))
    {
        let to = u.to_version.as_deref();
        let target = u.target_id.as_deref().unwrap();
        let next = match u.component.as_deref() {
            Some("teams_app") => beats
                .iter()
                .find(|b| b.device_id == target && b.t > u.t)
                .map(|b| b.app_version.as_deref()),
            Some("firmware") => sim
                .peripheral(target)
                .into_iter()
                .find(|e| e.t > u.t)
                .map(|e| e.firmware.as_deref()),
            _ => continue,
        };
        if let Some(version) = next {
            assert_eq!(
                version,
                to,
                "{} did not report {to:?} after {}",
                target,
                u.update_id.as_deref().unwrap()
            );
            checked += 1;
        }
    }
    assert!(checked > 5, "{checked}");
}

#[test]
fn logs_carry_personal_data_and_meeting_ids() {
    let sim = faulty();
    let logs = sim.of_type("log");
    let msg = |e: &&Ev| e.message.clone().unwrap();
    assert!(
        logs.iter()
            .map(msg)
            .any(|m| m.contains("@contoso.com") && m.contains("by "))
    );
    assert!(
        logs.iter()
            .map(msg)
            .any(|m| m.contains("Sign-in failed for room-")
                && m.contains("@contoso.onmicrosoft.com"))
    );
    assert!(
        logs.iter()
            .map(msg)
            .any(|m| m.contains("19:meeting_") && m.contains("@thread.v2"))
    );
    for level in ["info", "warning", "error"] {
        assert!(
            logs.iter().any(|e| e.level.as_deref() == Some(level)),
            "no {level} lines"
        );
    }
    for source in ["teams_app", "calendar", "hdmi"] {
        assert!(
            logs.iter().any(|e| e.source.as_deref() == Some(source)),
            "no {source} lines"
        );
    }
}

#[test]
fn heartbeats_beat_every_minute_and_reboot() {
    let sim = faulty();
    let beats = sim.of_type("heartbeat");
    for room in sim.fleet.rooms() {
        let mine: Vec<&&Ev> = beats
            .iter()
            .filter(|b| b.device_id == room.system.device_id)
            .collect();
        let steady = mine
            .windows(2)
            .filter(|w| w[1].t - w[0].t == 60_000)
            .count();
        assert!(
            steady as f64 > mine.len() as f64 * 0.97,
            "{}",
            room.system.device_id
        );
        for w in mine.windows(2) {
            let (a, b) = (w[0].uptime_s.unwrap(), w[1].uptime_s.unwrap());
            if b >= a && w[1].t - w[0].t == 60_000 {
                assert!(
                    (59..=61).contains(&(b - a)),
                    "uptime rose by {} in a minute",
                    b - a
                );
            }
        }
    }
    let devices_rebooting = sim
        .fleet
        .rooms()
        .iter()
        .filter(|r| {
            let mine: Vec<&&Ev> = beats
                .iter()
                .filter(|b| b.device_id == r.system.device_id)
                .collect();
            mine.windows(2).any(|w| w[1].uptime_s < w[0].uptime_s)
        })
        .count();
    assert!(
        devices_rebooting >= 5,
        "{devices_rebooting} devices rebooted"
    );
    assert!(
        beats.iter().any(|b| b.teams_signed_in == Some(false)),
        "no sign-outs"
    );
}
