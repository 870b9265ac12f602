//! `peripheral_reliability` over hand-made peripheral events and incidents whose right answer
//! is known by construction.

use serde_json::json;

use crate::calendar::{daily, load_rooms};
use crate::fixture::TestLake;
use crate::fleet::{IncidentEvent, peripheral, write_incident_events};

const ROOMS: &str = "\
ber-1,Spree,Berlin HQ,,,10,DE,Europe/Berlin,board,general
nyc-1,Hudson,New York,,,6,US,America/New_York,huddle,pilot
";

#[test]
fn cohorts_by_firmware_carried_local_days_chains_and_incidents() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    let cam = |id: &str,
               ts: &str,
               device: &str,
               room: &str,
               pid: &str,
               state: &str,
               fw: &str,
               errors: i64| {
        peripheral(
            id,
            ts,
            device,
            room,
            pid,
            state,
            json!({"firmware": fw, "error_count": errors}),
        )
    };
    let events = vec![
        // cam-a, Berlin. The 24th on 1.0: two disconnects.
        cam(
            "a1",
            "2026-11-24T08:00:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "connected",
            "1.0",
            0,
        ),
        cam(
            "a2",
            "2026-11-24T08:05:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "disconnected",
            "1.0",
            2,
        ),
        cam(
            "a3",
            "2026-11-24T08:10:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "connected",
            "1.0",
            0,
        ),
        cam(
            "a4",
            "2026-11-24T08:15:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "disconnected",
            "1.0",
            4,
        ),
        // The 25th: unknown breaks the chain; then updated to 1.1, one disconnect under 1.1.
        cam(
            "a5",
            "2026-11-25T08:00:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "unknown",
            "1.0",
            0,
        ),
        cam(
            "a6",
            "2026-11-25T08:05:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "disconnected",
            "1.0",
            1,
        ),
        cam(
            "a7",
            "2026-11-25T08:10:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "connected",
            "1.1",
            0,
        ),
        cam(
            "a8",
            "2026-11-25T08:15:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "disconnected",
            "1.1",
            3,
        ),
        // cam-b, New York: 03:00 UTC on the 25th is the 24th there; so two local days.
        cam(
            "b1",
            "2026-11-25T03:00:00Z",
            "dev-nyc",
            "nyc-1",
            "cam-b",
            "connected",
            "1.0",
            1,
        ),
        cam(
            "b2",
            "2026-11-25T15:00:00Z",
            "dev-nyc",
            "nyc-1",
            "cam-b",
            "connected",
            "1.0",
            1,
        ),
        // Outside the range (the 26th in New York): not counted.
        cam(
            "b3",
            "2026-11-27T03:00:00Z",
            "dev-nyc",
            "nyc-1",
            "cam-b",
            "disconnected",
            "1.0",
            9,
        ),
        // A microphone last connected the day before the range.
        peripheral(
            "m1",
            "2026-11-23T12:00:00Z",
            "dev-ber",
            "ber-1",
            "mic-1",
            "connected",
            json!({"kind": "microphone", "make": "Shure", "model": "MXA", "firmware": "2.0", "error_count": 0}),
        ),
    ];
    lake.ingest(&events);
    // Its disconnect arrives late, in a later backfill, and continues the chain.
    lake.ingest(&[peripheral(
        "m2", "2026-11-24T12:00:00Z", "dev-ber", "ber-1", "mic-1", "disconnected",
        json!({"kind": "microphone", "make": "Shure", "model": "MXA", "firmware": "2.0", "error_count": 5}),
    )]);
    write_incident_events(
        &lake,
        &[
            // cam-a on 1.0 when it opened, and on 1.1 when the second one opened
            IncidentEvent {
                peripheral: Some("cam-a"),
                ..IncidentEvent::opened(
                    "i1",
                    "peripheral_disconnected",
                    "critical",
                    "ber-1",
                    "dev-ber",
                    "2026-11-24T09:00:00Z",
                )
            },
            IncidentEvent {
                peripheral: Some("cam-a"),
                ..IncidentEvent::opened(
                    "i2",
                    "peripheral_degrading",
                    "warning",
                    "ber-1",
                    "dev-ber",
                    "2026-11-25T09:00:00Z",
                )
            },
            // outside the range
            IncidentEvent {
                peripheral: Some("cam-b"),
                ..IncidentEvent::opened(
                    "i3",
                    "peripheral_disconnected",
                    "critical",
                    "nyc-1",
                    "dev-nyc",
                    "2026-11-27T03:00:00Z",
                )
            },
            // a device incident is no peripheral's
            IncidentEvent::opened(
                "i4",
                "device_offline",
                "critical",
                "ber-1",
                "dev-ber",
                "2026-11-24T10:00:00Z",
            ),
        ],
    );
    assert_eq!(
        daily(&lake, "peripheral_reliability", "2026-11-24", "2026-11-25"),
        [
            "kind|make|model|firmware|peripherals|peripheral_days|disconnects|disconnects_per_100_days|incidents|incidents_per_100_days|mean_error_count",
            "microphone|Shure|MXA|2.0|1|1|1|100.0|0|0.0|5.0",
            "room_camera|Logi|Rally|1.0|2|4|2|50.0|1|25.0|1.125",
            "room_camera|Logi|Rally|1.1|1|1|1|100.0|1|100.0|1.5",
        ]
    );
}
