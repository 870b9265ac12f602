//! Injected faults are in `faults.csv` and visible in the events; healthy peripherals are noisy
//! but stay within their band.

use std::collections::BTreeSet;

use roomsight_datasets::{FAULTS_HEADER, FaultType};

use crate::{Ev, faulty, healthy, ms};

const HOUR: i64 = 3_600_000;

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

/// The metric that shows a kind's drift, and whether it falls (true) or rises.
fn drift_metric(kind: &str) -> Option<(&'static str, bool)> {
    match kind {
        "room_camera" | "content_camera" => Some(("fps", true)),
        "microphone" => Some(("snr_db", true)),
        "speaker" | "communication_speaker" => Some(("distortion_pct", false)),
        "display" => Some(("signal_errors", false)),
        "touch_console" => Some(("touch_latency_ms", false)),
        _ => None,
    }
}

/// Errors per hour between consecutive connected reports inside `[from, to)` (increments only,
/// over the time those pairs cover).
fn error_rate(evs: &[&Ev], from: i64, to: i64) -> f64 {
    let inside: Vec<&&Ev> = evs.iter().filter(|e| (from..to).contains(&e.t)).collect();
    let pairs: Vec<&[&&Ev]> = inside
        .windows(2)
        .filter(|w| {
            w[0].connection.as_deref() == Some("connected")
                && w[1].connection.as_deref() == Some("connected")
        })
        .collect();
    let added: i64 = pairs
        .iter()
        .map(|w| (w[1].error_count.unwrap_or(0) - w[0].error_count.unwrap_or(0)).max(0))
        .sum();
    let covered: i64 = pairs.iter().map(|w| w[1].t - w[0].t).sum();
    added as f64 / (covered.max(1) as f64 / HOUR as f64)
}

#[test]
fn faults_csv_lists_every_fault_type() {
    let sim = faulty();
    let mut csv = Vec::new();
    sim.fleet.write_faults_csv(&mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(FAULTS_HEADER.join(",").as_str()));
    assert_eq!(
        FAULTS_HEADER.join(","),
        "peripheral_id,device_id,room_id,fault_type,start,end"
    );
    let mut seen = BTreeSet::new();
    for line in lines {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols.len(), 6, "{line}");
        let ty = FaultType::parse(cols[3]).unwrap_or_else(|| panic!("unknown type in {line}"));
        let room_wide = matches!(ty, FaultType::DeviceOffline | FaultType::EstateOutage);
        assert_eq!(cols[0].is_empty(), room_wide, "{line}");
        assert!(ms(cols[4]) < ms(cols[5]), "{line}");
        assert!(cols[4].ends_with('Z') && cols[5].ends_with('Z'));
        seen.insert(ty);
    }
    assert_eq!(seen.len(), FaultType::ALL.len(), "{seen:?}");
}

#[test]
fn gradual_degradation_drifts_then_fails() {
    let sim = faulty();
    let faults = sim.faults(FaultType::GradualDegradation);
    let mut checked_camera_or_mic = false;
    for f in faults {
        let id = f.peripheral_id.as_deref().unwrap();
        let evs = sim.peripheral(id);
        let kind = evs[0].kind.clone().unwrap();
        let Some((metric, falls)) = drift_metric(&kind) else {
            continue;
        };
        let (start, end) = (ms(&f.start.to_string()), ms(&f.end.to_string()));
        let w = (2 * HOUR).min((end - start) / 4);
        let values = |from: i64, to: i64| -> Vec<f64> {
            evs.iter()
                .filter(|e| (from..to).contains(&e.t))
                .filter_map(|e| e.metric(metric))
                .collect()
        };
        let (first, last) = (values(start, start + w), values(end - w, end));
        assert!(
            !first.is_empty() && !last.is_empty(),
            "{id}: no reports around the drift"
        );
        let (a, b) = (mean(&first), mean(&last));
        if falls {
            assert!(
                b < a - 5.0,
                "{id} {metric}: {a} at the start, {b} before failing"
            );
        } else {
            assert!(
                b > a * 2.0 + 1.0,
                "{id} {metric}: {a} at the start, {b} before failing"
            );
        }
        let (ra, rb) = (
            error_rate(&evs, start, start + w),
            error_rate(&evs, end - w, end),
        );
        assert!(
            rb > ra + 5.0,
            "{id}: errors/h {ra} at the start, {rb} before failing"
        );
        // It fails at the end: the next report says disconnected.
        let after = evs
            .iter()
            .find(|e| e.t >= end)
            .expect("a report after the failure");
        assert_eq!(after.connection.as_deref(), Some("disconnected"), "{id}");
        checked_camera_or_mic |= metric == "fps" || metric == "snr_db";
    }
    assert!(
        checked_camera_or_mic,
        "the fixture has no degrading camera or microphone"
    );
}

#[test]
fn healthy_cameras_and_microphones_stay_in_their_band() {
    for sim in [faulty(), healthy()] {
        let faulty_ids = sim.faulty_ids();
        let mut checked = 0;
        for room in sim.fleet.rooms() {
            for p in &room.peripherals {
                let metric = match p.kind.as_str() {
                    "room_camera" => "fps",
                    "microphone" => "snr_db",
                    _ => continue,
                };
                if faulty_ids.contains_key(&p.peripheral_id) {
                    continue;
                }
                let evs = sim.peripheral(&p.peripheral_id);
                let all: Vec<f64> = evs.iter().filter_map(|e| e.metric(metric)).collect();
                let centre = mean(&all);
                let sd = (all.iter().map(|x| (x - centre).powi(2)).sum::<f64>() / all.len() as f64)
                    .sqrt();
                assert!(sd > 0.1, "{}: {metric} does not jitter", p.peripheral_id);
                // Every 6-hour mean stays near the peripheral's own centre.
                let (t0, t1) = (evs[0].t, evs[evs.len() - 1].t);
                let mut t = t0;
                while t + 6 * HOUR <= t1 {
                    let window: Vec<f64> = evs
                        .iter()
                        .filter(|e| (t..t + 6 * HOUR).contains(&e.t))
                        .filter_map(|e| e.metric(metric))
                        .collect();
                    if window.len() > 10 {
                        let m = mean(&window);
                        let band = if metric == "fps" { 1.0 } else { 2.5 };
                        assert!(
                            (m - centre).abs() < band,
                            "{}: {metric} mean {m} vs {centre}",
                            p.peripheral_id
                        );
                    }
                    t += 6 * HOUR;
                }
                checked += 1;
            }
        }
        assert!(
            checked >= 5,
            "only {checked} healthy cameras and microphones"
        );
    }
}

#[test]
fn device_offline_sends_nothing() {
    let sim = faulty();
    let mut faults = sim.faults(FaultType::DeviceOffline);
    assert!(!faults.is_empty());
    faults.extend(sim.faults(FaultType::EstateOutage));
    for f in faults {
        let (start, end) = (ms(&f.start.to_string()), ms(&f.end.to_string()));
        assert!(end - start >= 20 * 60_000, "{f:?}");
        let inside = sim
            .events
            .iter()
            .filter(|e| e.device_id == f.device_id && (start..end).contains(&e.t))
            .count();
        assert_eq!(inside, 0, "{} sent events while offline", f.device_id);
        let beats: Vec<i64> = sim
            .of_type("heartbeat")
            .iter()
            .filter(|e| e.device_id == f.device_id)
            .map(|e| e.t)
            .collect();
        assert!(
            beats.iter().any(|&t| t < start) && beats.iter().any(|&t| t >= end),
            "{f:?}"
        );
    }
}

#[test]
fn the_estate_outage_takes_most_room_systems_offline_on_one_day() {
    let sim = faulty();
    let outage = sim.faults(FaultType::EstateOutage);
    let rooms = sim.fleet.rooms().len();
    assert!(
        outage.len() * 2 >= rooms,
        "{} of {rooms} rooms",
        outage.len()
    );
    let starts: BTreeSet<String> = outage.iter().map(|f| f.start.to_string()).collect();
    assert_eq!(starts.len(), 1, "one outage, all at once: {starts:?}");
    for f in &outage {
        let hours = (ms(&f.end.to_string()) - ms(&f.start.to_string())) as f64 / HOUR as f64;
        assert!((2.0..=4.5).contains(&hours), "{f:?}");
    }
    assert!(
        healthy().fleet.faults().is_empty(),
        "no bad day without faults"
    );
}

#[test]
fn intermittent_disconnects_cycle_several_times() {
    let sim = faulty();
    let faults = sim.faults(FaultType::IntermittentDisconnects);
    assert!(!faults.is_empty());
    for f in faults {
        let evs = sim.peripheral(f.peripheral_id.as_deref().unwrap());
        let (start, end) = (ms(&f.start.to_string()), ms(&f.end.to_string()));
        let cycles = evs
            .windows(2)
            .filter(|w| (start..=end).contains(&w[1].t))
            .filter(|w| {
                w[0].connection.as_deref() == Some("connected")
                    && w[1].connection.as_deref() == Some("disconnected")
            })
            .count();
        assert!(cycles >= 3, "{f:?}: {cycles} cycles");
        // Each drop-out is short: reconnected within a few minutes (unless the room system was down).
        let reconnects = evs
            .windows(2)
            .filter(|w| (start..=end).contains(&w[1].t))
            .filter(|w| {
                w[0].connection.as_deref() == Some("disconnected")
                    && w[1].connection.as_deref() == Some("connected")
            })
            .filter(|w| w[1].t - w[0].t <= 10 * 60_000)
            .count();
        assert!(reconnects >= 2, "{f:?}: {reconnects} quick reconnects");
    }
}

#[test]
fn post_update_regressions_start_at_a_firmware_update() {
    let sim = faulty();
    let faults = sim.faults(FaultType::PostUpdateRegression);
    assert!(!faults.is_empty());
    let updates = sim.of_type("update");
    for f in faults {
        let id = f.peripheral_id.as_deref().unwrap();
        let step = updates
            .iter()
            .find(|u| {
                u.target_id.as_deref() == Some(id)
                    && u.status.as_deref() == Some("succeeded")
                    && u.ts == f.start.to_string()
            })
            .unwrap_or_else(|| panic!("{id}: no firmware update at {}", f.start));
        assert_eq!(step.component.as_deref(), Some("firmware"));
        assert_ne!(
            step.ring.as_deref(),
            Some("general"),
            "the bad release reached general"
        );
        let to = step.to_version.as_deref().unwrap();
        let evs = sim.peripheral(id);
        let (start, end) = (ms(&f.start.to_string()), ms(&f.end.to_string()));
        assert!(
            evs.iter()
                .filter(|e| e.t > start + 10 * 60_000 && e.t < end)
                .all(|e| e.firmware.as_deref() == Some(to))
        );
        if let Some(back) = updates
            .iter()
            .find(|u| u.update_id == step.update_id && u.status.as_deref() == Some("rolled_back"))
        {
            assert_eq!(
                back.ts,
                f.end.to_string(),
                "{id}: rolled back at another time than the fault end"
            );
        }
    }
}

#[test]
fn sudden_failures_stay_disconnected_until_fixed() {
    let sim = faulty();
    let faults = sim.faults(FaultType::SuddenFailure);
    assert!(!faults.is_empty());
    for f in faults {
        let evs = sim.peripheral(f.peripheral_id.as_deref().unwrap());
        let (start, end) = (ms(&f.start.to_string()), ms(&f.end.to_string()));
        let inside: Vec<&&Ev> = evs.iter().filter(|e| (start..end).contains(&e.t)).collect();
        assert!(!inside.is_empty());
        assert!(
            inside
                .iter()
                .all(|e| e.connection.as_deref() == Some("disconnected")),
            "{f:?}"
        );
        assert!(inside.iter().all(|e| e.metrics.is_none()));
        let after = evs.iter().find(|e| e.t >= end);
        if let Some(after) = after {
            assert_eq!(after.connection.as_deref(), Some("connected"));
            assert_eq!(
                after.error_count,
                Some(0),
                "the counter resets on reconnect"
            );
        }
    }
}

#[test]
fn a_healthy_fleet_has_no_faults_but_noise() {
    let sim = healthy();
    assert!(sim.fleet.faults().is_empty());
    // The odd short disconnect happens anyway, and reconnects within minutes.
    let mut drops = 0;
    for room in sim.fleet.rooms() {
        for p in &room.peripherals {
            let evs = sim.peripheral(&p.peripheral_id);
            for w in evs.windows(2) {
                if w[0].connection.as_deref() == Some("disconnected")
                    && w[1].connection.as_deref() == Some("connected")
                {
                    assert!(
                        w[1].t - w[0].t < 10 * 60_000,
                        "{}: a long disconnect on a healthy fleet",
                        p.peripheral_id
                    );
                    drops += 1;
                }
            }
        }
    }
    assert!(drops >= 1, "no noise disconnects at all");
}

#[test]
fn error_counts_reset_on_reconnect_and_reboot() {
    let sim = faulty();
    let mut resets = 0;
    for room in sim.fleet.rooms() {
        let beats: Vec<&Ev> = sim
            .of_type("heartbeat")
            .into_iter()
            .filter(|e| e.device_id == room.system.device_id)
            .collect();
        let boots: Vec<i64> = beats
            .windows(2)
            .filter(|w| w[1].uptime_s < w[0].uptime_s)
            .map(|w| w[1].t - w[1].uptime_s.unwrap() * 1000)
            .collect();
        for p in &room.peripherals {
            let evs = sim.peripheral(&p.peripheral_id);
            for w in evs.windows(2) {
                let reconnect = w[0].connection.as_deref() == Some("disconnected")
                    && w[1].connection.as_deref() == Some("connected");
                let rebooted = boots.iter().any(|&b| w[0].t < b && b <= w[1].t);
                if (reconnect || rebooted) && w[1].connection.as_deref() == Some("connected") {
                    assert_eq!(
                        w[1].error_count,
                        Some(0),
                        "{} at {}",
                        p.peripheral_id,
                        w[1].ts
                    );
                    resets += 1;
                }
            }
        }
    }
    assert!(resets > 10, "{resets}");
}
