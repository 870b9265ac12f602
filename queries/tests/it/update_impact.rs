//! `update_impact` as of a moment over hand-made peripherals, room systems, update steps and
//! incidents whose right answer is worked out in the comments.

use serde_json::json;

use crate::calendar::load_rooms;
use crate::fixture::TestLake;
use crate::fleet::{
    IncidentEvent, heartbeat_with, peripheral, snapshot, update, write_incident_events,
};

// r1–r6 pilot, r7–r8 general; room rK holds room system dev-K and camera cam-K (Logi Rally).
const ROOMS: &str = "\
r1,One,Berlin HQ,,,6,DE,UTC,huddle,pilot
r2,Two,Berlin HQ,,,6,DE,UTC,huddle,pilot
r3,Three,Berlin HQ,,,6,DE,UTC,huddle,pilot
r4,Four,Berlin HQ,,,6,DE,UTC,huddle,pilot
r5,Five,Berlin HQ,,,6,DE,UTC,huddle,pilot
r6,Six,Berlin HQ,,,6,DE,UTC,huddle,pilot
r7,Seven,Berlin HQ,,,6,DE,UTC,huddle,general
r8,Eight,Berlin HQ,,,6,DE,UTC,huddle,general
";

const AS_OF: &str = "2026-11-08T00:00:00Z";

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn opened(kind: &'static str, k: u32, peripheral: bool, at: &'static str) -> IncidentEvent {
    let id = leak(format!("{kind}-{k}-{at}-{peripheral}"));
    let mut e = IncidentEvent::opened(
        id,
        kind,
        "critical",
        leak(format!("r{k}")),
        leak(format!("dev-{k}")),
        at,
    );
    if peripheral {
        e.peripheral = Some(leak(format!("cam-{k}")));
    }
    e
}

/// The cells of one row of `rows` (header first) under the header's names.
fn row<'a>(rows: &'a [String], key: &str) -> std::collections::HashMap<&'a str, &'a str> {
    let header: Vec<&str> = rows[0].split('|').collect();
    let line = rows
        .iter()
        .find(|r| r.starts_with(key))
        .unwrap_or_else(|| panic!("no row {key} in {rows:#?}"));
    header.into_iter().zip(line.split('|')).collect()
}

fn num(cells: &std::collections::HashMap<&str, &str>, name: &str) -> f64 {
    cells[name]
        .parse()
        .unwrap_or_else(|_| panic!("{name} = {}", cells[name]))
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn treated_targets_against_the_concurrent_control_in_affected_target_days() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    let mut events = Vec::new();
    for k in 1..=8 {
        let (dev, room, cam) = (format!("dev-{k}"), format!("r{k}"), format!("cam-{k}"));
        // Telemetry from 11-01 00:00 to 11-07 12:00 for every camera and room system.
        for (i, ts) in ["2026-11-01T00:00:00Z", "2026-11-07T12:00:00Z"]
            .iter()
            .enumerate()
        {
            events.push(peripheral(
                &format!("p{k}-{i}"),
                ts,
                &dev,
                &room,
                &cam,
                "connected",
                json!({}),
            ));
            events.push(heartbeat_with(
                &format!("h{k}-{i}"),
                ts,
                &dev,
                &room,
                60,
                json!({}),
            ));
        }
        // cam-1…cam-5 take firmware 2.0 and dev-1…dev-5 Teams app 5.3 on 11-03 (pilot).
        if k <= 5 {
            let at = "2026-11-03T00:00:00Z";
            events.push(update(
                &format!("f{k}"),
                at,
                &dev,
                &room,
                "firmware",
                &cam,
                "2.0",
                "succeeded",
            ));
            events.push(update(
                &format!("a{k}"),
                at,
                &dev,
                &room,
                "teams_app",
                &dev,
                "5.3",
                "succeeded",
            ));
        }
    }
    // cam-7 (general) takes firmware 2.1 on 11-06.
    events.push(update(
        "f7",
        "2026-11-06T00:00:00Z",
        "dev-7",
        "r7",
        "firmware",
        "cam-7",
        "2.1",
        "succeeded",
    ));
    lake.ingest(&events);

    let mut incidents = vec![
        // cam-1 twice on 11-04 (one affected day), cam-2 on 11-05: 2 days after firmware 2.0.
        opened("peripheral_disconnected", 1, true, "2026-11-04T10:00:00Z"),
        opened("peripheral_disconnected", 1, true, "2026-11-04T15:00:00Z"),
        opened("peripheral_disconnected", 2, true, "2026-11-05T10:00:00Z"),
        // Before cam-1 took it: neither after nor control (its control ends at its t0).
        opened("peripheral_disconnected", 1, true, "2026-11-02T10:00:00Z"),
        // update_failed never counts.
        opened("update_failed", 3, true, "2026-11-05T10:00:00Z"),
        // cam-6 has not taken 2.0: the control's one affected day.
        opened("peripheral_disconnected", 6, true, "2026-11-05T08:00:00Z"),
    ];
    // Room systems dev-1…dev-5 offline on 11-05, 11-06 and 11-07 (not about the cameras).
    for k in 1..=5 {
        for day in [
            "2026-11-05T09:00:00Z",
            "2026-11-06T09:00:00Z",
            "2026-11-07T09:00:00Z",
        ] {
            incidents.push(opened("device_offline", k, false, day));
        }
    }
    write_incident_events(&lake, &incidents);

    let rows = snapshot(&lake, "update_impact", AS_OF);
    assert_eq!(rows.len(), 4, "{rows:#?}");

    // firmware 2.0, pilot: 5 targets × [11-03, 11-08) = 25 device-days, 2 affected; control
    // cam-6, cam-7, cam-8 over [11-03, 11-07 12:00) = 13.5 device-days, 1 affected.
    let fw = row(&rows, "firmware|2.0|pilot|");
    assert_eq!(fw["targets"], "5");
    assert!(near(num(&fw, "device_days_after"), 25.0));
    assert_eq!(fw["affected_days_after"], "2");
    assert!(near(num(&fw, "device_days_control"), 13.5));
    assert_eq!(fw["affected_days_control"], "1");
    assert!(near(num(&fw, "rate_after"), 8.0));
    assert!(near(num(&fw, "rate_control"), 100.0 / 13.5));
    assert!(near(num(&fw, "rate_ratio"), 0.9));
    // P(X >= 2), X ~ Binomial(3, 25 / 38.5).
    assert!(near(num(&fw, "p_value"), 0.7173632574206027));
    assert_eq!(fw["verdict"], "promote");

    // firmware 2.1, general: one target over [11-06, 11-08); control: the 7 other cameras over
    // [11-06, 11-07 12:00) = 10.5 device-days; nothing affected: p = 1, too few targets: hold.
    let one = row(&rows, "firmware|2.1|general|");
    assert_eq!(one["targets"], "1");
    assert!(near(num(&one, "device_days_after"), 2.0));
    assert!(near(num(&one, "device_days_control"), 10.5));
    assert!(near(num(&one, "rate_ratio"), 5.25));
    assert!(near(num(&one, "p_value"), 1.0));
    assert_eq!(one["verdict"], "hold");

    // Teams app 5.3, pilot: incidents on the room system or its peripherals. After: dev-1 on
    // 11-04…11-07 (4 days), dev-2…dev-5 on 11-05…11-07 (3 each): 16. Control dev-6…dev-8,
    // 13.5 device-days, dev-6 on 11-05: 1. Ratio 5.94, P(X >= 16 | 17, 25/38.5): halt.
    let app = row(&rows, "teams_app|5.3|pilot|");
    assert_eq!(app["targets"], "5");
    assert_eq!(app["affected_days_after"], "16");
    assert_eq!(app["affected_days_control"], "1");
    assert!(near(num(&app, "rate_ratio"), 5.94));
    assert!(near(num(&app, "p_value"), 0.0066053452715027165));
    assert_eq!(app["verdict"], "halt");
}
