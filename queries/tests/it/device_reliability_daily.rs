//! `device_reliability_daily` over hand-made heartbeats, peripheral events, enrollments and
//! incidents whose right answer is known by construction.

use serde_json::json;

use crate::calendar::{daily, load_rooms};
use crate::fixture::TestLake;
use crate::fleet::{
    IncidentEvent, beats, enrollment, heartbeat_with, peripheral, write_incident_events,
};

const ROOMS: &str = "\
ber-1,Spree,Berlin HQ,,,10,DE,Europe/Berlin,board,general
lon-1,Thames,London,,,8,GB,Europe/London,huddle,pilot
";

/// Berlin leaves summer time on Sunday 2026-10-25: that local date lasts 25 h (1500 minutes),
/// from 2026-10-24T22:00Z to 2026-10-25T23:00Z.
#[test]
fn a_dst_day_reboots_sign_outs_a_broken_disconnect_chain_and_enrollment_edges() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    let mut events = vec![
        // Enrolled at 12:00 local on the 24th (CEST), unenrolled at 13:00 local on the 26th (CET).
        enrollment(
            "en-1",
            "2026-10-24T10:00:00Z",
            "dev-ber",
            "ber-1",
            "enrolled",
        ),
        enrollment(
            "en-2",
            "2026-10-26T12:00:00Z",
            "dev-ber",
            "ber-1",
            "unenrolled",
        ),
        // Never enrolled: no rows, whatever it sends.
        heartbeat_with(
            "x-1",
            "2026-10-25T10:00:00Z",
            "dev-unmanaged",
            "ber-1",
            50,
            json!({}),
        ),
        // An extra heartbeat inside an already counted minute adds no minute.
        heartbeat_with(
            "hb-extra",
            "2026-10-24T22:03:30Z",
            "dev-ber",
            "ber-1",
            10_000 + 3 * 60 + 30,
            json!({}),
        ),
    ];
    // 24th: 72 minutes online of 720 enrolled (10 %).
    events.extend(beats(
        "a",
        "dev-ber",
        "ber-1",
        "2026-10-24T10:00:00Z",
        72,
        100,
    ));
    // 25th: 00:00-00:29 local (30 minutes), signed out at 00:05 and 00:06, rebooted at 00:10
    // and 00:20; then 45 minutes at noon UTC: 75 of 1500 minutes (5 %).
    let mut night = beats("b", "dev-ber", "ber-1", "2026-10-24T22:00:00Z", 30, 10_000);
    for (i, beat) in night.iter_mut().enumerate() {
        if i == 5 || i == 6 {
            beat["teams_signed_in"] = json!(false);
        }
        if i >= 10 {
            beat["uptime_s"] = json!(60 * (i % 10));
        }
    }
    events.extend(night);
    events.extend(beats(
        "c",
        "dev-ber",
        "ber-1",
        "2026-10-25T10:00:00Z",
        45,
        5_000,
    ));
    // 26th: 39 minutes before the unenrollment (the first one a reboot: uptime fell), 10 after
    // it with another reboot, which count nowhere.
    let mut morning = beats("d", "dev-ber", "ber-1", "2026-10-26T11:00:00Z", 39, 30);
    let late = morning.pop().unwrap();
    events.extend(morning);
    let mut after = beats("e", "dev-ber", "ber-1", "2026-10-26T12:00:00Z", 10, 9_000);
    after[5]["uptime_s"] = json!(1);
    events.extend(after);
    // A camera on the 25th (local): connected, disconnected (1), unknown, disconnected (the
    // chain is broken: 0), connected, disconnected (2).
    for (i, (ts, state)) in [
        ("2026-10-25T01:00:00Z", "connected"),
        ("2026-10-25T01:05:00Z", "disconnected"),
        ("2026-10-25T01:10:00Z", "unknown"),
        ("2026-10-25T01:15:00Z", "disconnected"),
        ("2026-10-25T01:20:00Z", "connected"),
        ("2026-10-25T01:25:00Z", "disconnected"),
        // after the unenrollment: not counted
        ("2026-10-26T12:20:00Z", "connected"),
        ("2026-10-26T12:30:00Z", "disconnected"),
    ]
    .into_iter()
    .enumerate()
    {
        events.push(peripheral(
            &format!("p-{i}"),
            ts,
            "dev-ber",
            "ber-1",
            "cam-1",
            state,
            json!({}),
        ));
    }
    // A room missing from the directory: UTC dates. Enrolled at 23:00 UTC on the 25th, never
    // unenrolled: the period runs to the end of the range.
    events.push(enrollment(
        "g-en",
        "2026-10-25T23:00:00Z",
        "dev-ghost",
        "ghost-1",
        "enrolled",
    ));
    events.extend(beats(
        "g",
        "dev-ghost",
        "ghost-1",
        "2026-10-25T23:00:00Z",
        60,
        10,
    ));
    lake.ingest(&events);
    // A late heartbeat of the 26th arrives in a later backfill.
    lake.ingest(&[late]);
    write_incident_events(
        &lake,
        &[
            // noon UTC on the 25th: the 25th
            IncidentEvent::opened(
                "inc-1",
                "device_offline",
                "critical",
                "ber-1",
                "dev-ber",
                "2026-10-25T12:00:00Z",
            ),
            // 00:30 CET on the 26th, on a peripheral of the device
            IncidentEvent {
                peripheral: Some("cam-1"),
                ..IncidentEvent::opened(
                    "inc-2",
                    "peripheral_disconnected",
                    "critical",
                    "ber-1",
                    "dev-ber",
                    "2026-10-25T23:30:00Z",
                )
            },
        ],
    );
    assert_eq!(
        daily(
            &lake,
            "device_reliability_daily",
            "2026-10-24",
            "2026-10-27"
        ),
        [
            "device_id|room_id|date|expected_minutes|online_minutes|availability_pct|reboots|signed_out_minutes|peripheral_disconnects|incidents_opened",
            "dev-ber|ber-1|2026-10-24|720|72|10.0|0|0|0|0",
            "dev-ber|ber-1|2026-10-25|1500|75|5.0|2|2|2|1",
            "dev-ber|ber-1|2026-10-26|780|39|5.0|1|0|0|1",
            "dev-ghost|ghost-1|2026-10-25|60|60|100.0|0|0|0|0",
            "dev-ghost|ghost-1|2026-10-26|1440|0|0.0|0|0|0|0",
            "dev-ghost|ghost-1|2026-10-27|1440|0|0.0|0|0|0|0",
        ]
    );
    // Berlin's spring change (2026-03-29) makes a 1380-minute day.
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    lake.ingest(&[enrollment(
        "s-en",
        "2026-03-27T00:00:00Z",
        "dev-ber",
        "ber-1",
        "enrolled",
    )]);
    let rows = daily(
        &lake,
        "device_reliability_daily",
        "2026-03-28",
        "2026-03-30",
    );
    let minutes: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r.split('|').nth(3).unwrap())
        .collect();
    assert_eq!(minutes, ["1440", "1380", "1440"]);
}

#[test]
fn a_second_enrollment_does_not_restart_the_period_and_a_lone_unenrollment_is_ignored() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    // London is on UTC in November. Enrolled 08:00-10:00 and from 12:00: 840 minutes.
    let mut events = vec![
        enrollment("n1", "2026-11-24T08:00:00Z", "dev-lon", "lon-1", "enrolled"),
        enrollment("n2", "2026-11-24T09:00:00Z", "dev-lon", "lon-1", "enrolled"),
        enrollment(
            "n3",
            "2026-11-24T10:00:00Z",
            "dev-lon",
            "lon-1",
            "unenrolled",
        ),
        enrollment(
            "n4",
            "2026-11-24T11:00:00Z",
            "dev-lon",
            "lon-1",
            "unenrolled",
        ),
        enrollment("n5", "2026-11-24T12:00:00Z", "dev-lon", "lon-1", "enrolled"),
        // inside by its exact ts (the minute 09:59 counts) ...
        heartbeat_with(
            "h1",
            "2026-11-24T09:59:30Z",
            "dev-lon",
            "lon-1",
            100,
            json!({}),
        ),
        // ... outside (between the periods) ...
        heartbeat_with(
            "h2",
            "2026-11-24T10:30:00Z",
            "dev-lon",
            "lon-1",
            200,
            json!({}),
        ),
        // ... and before the first enrollment.
        heartbeat_with(
            "h0",
            "2026-11-24T07:59:59Z",
            "dev-lon",
            "lon-1",
            50,
            json!({}),
        ),
    ];
    // From the period's first instant: 20 minutes; 21 of 840 is 2.5 %.
    events.extend(beats(
        "b",
        "dev-lon",
        "lon-1",
        "2026-11-24T12:00:00Z",
        20,
        300,
    ));
    lake.ingest(&events);
    assert_eq!(
        daily(
            &lake,
            "device_reliability_daily",
            "2026-11-24",
            "2026-11-24"
        )[1..],
        ["dev-lon|lon-1|2026-11-24|840|21|2.5|0|0|0|0"]
    );
}
