//! `inventory` as of a moment over hand-made events whose right answer is known by
//! construction.

use serde_json::json;

use crate::calendar::load_rooms;
use crate::fixture::TestLake;
use crate::fleet::{enrollment, heartbeat_with, peripheral, snapshot};

const ROOMS: &str = "\
ber-1,Spree,Berlin HQ,,,10,DE,Europe/Berlin,board,general
nyc-1,Hudson,New York,,,6,US,America/New_York,huddle,pilot
";

#[test]
fn room_systems_and_peripherals_with_latest_attributes_and_status() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    lake.ingest(&[
        // Active: enrolled, heard from an hour before the moment. Its latest heartbeat before the
        // moment carries app 5.3.0; the one after the moment is not seen.
        enrollment(
            "b-en",
            "2026-11-20T09:00:00Z",
            "dev-ber",
            "ber-1",
            "enrolled",
        ),
        heartbeat_with(
            "b-1",
            "2026-11-24T10:00:00Z",
            "dev-ber",
            "ber-1",
            10,
            json!({}),
        ),
        heartbeat_with(
            "b-2",
            "2026-11-25T11:00:00Z",
            "dev-ber",
            "ber-1",
            20,
            json!({"app_version": "5.3.0"}),
        ),
        heartbeat_with(
            "b-3",
            "2026-11-25T13:00:00Z",
            "dev-ber",
            "ber-1",
            30,
            json!({"app_version": "9.9.9"}),
        ),
        // Its camera: firmware 1.0, then 1.1; its serial from the latest event.
        peripheral(
            "c-1",
            "2026-11-24T08:00:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "connected",
            json!({"serial": "C-OLD"}),
        ),
        peripheral(
            "c-2",
            "2026-11-25T10:00:00Z",
            "dev-ber",
            "ber-1",
            "cam-a",
            "connected",
            json!({"firmware": "1.1", "serial": "C-1"}),
        ),
        // Stale: enrolled, last heard from two days before the moment; its microphone too.
        enrollment(
            "n-en",
            "2026-11-01T00:00:00Z",
            "dev-nyc",
            "nyc-1",
            "enrolled",
        ),
        heartbeat_with(
            "n-1",
            "2026-11-23T12:00:00Z",
            "dev-nyc",
            "nyc-1",
            10,
            json!({"platform": "android", "app_version": "1.0", "os_version": "12"}),
        ),
        peripheral(
            "m-1",
            "2026-11-23T11:00:00Z",
            "dev-nyc",
            "nyc-1",
            "mic-n",
            "connected",
            json!({"kind": "microphone", "make": "Shure", "model": "MXA", "firmware": "2.0"}),
        ),
        // Unenrolled three hours before the moment: unenrolled, though seen in the last 24 h.
        enrollment(
            "o-en",
            "2026-11-01T00:00:00Z",
            "dev-old",
            "ber-1",
            "enrolled",
        ),
        heartbeat_with(
            "o-1",
            "2026-11-25T08:00:00Z",
            "dev-old",
            "ber-1",
            10,
            json!({}),
        ),
        enrollment(
            "o-un",
            "2026-11-25T09:00:00Z",
            "dev-old",
            "ber-1",
            "unenrolled",
        ),
        // Never enrolled, in a room missing from the directory: listed, active.
        heartbeat_with(
            "g-1",
            "2026-11-25T11:59:00Z",
            "dev-ghost",
            "ghost-1",
            10,
            json!({}),
        ),
    ]);
    assert_eq!(
        snapshot(&lake, "inventory", "2026-11-25T12:00:00Z"),
        [
            "device_id|peripheral_id|room_id|room_name|site|country|room_group|ring|item|platform|kind|make|model|serial|firmware|app_version|os_version|first_seen|last_seen|status",
            "dev-ber||ber-1|Spree|Berlin HQ|DE|board|general|room_system|windows||Lenovo|ThinkSmart Core|SN-dev-ber||5.3.0|10.0.22631|2026-11-20T09:00:00Z|2026-11-25T11:00:00Z|active",
            "dev-ber|cam-a|ber-1|Spree|Berlin HQ|DE|board|general|peripheral||room_camera|Logi|Rally|C-1|1.1|||2026-11-24T08:00:00Z|2026-11-25T10:00:00Z|active",
            "dev-ghost||ghost-1||||||room_system|windows||||||5.2.1|10.0.22631|2026-11-25T11:59:00Z|2026-11-25T11:59:00Z|active",
            "dev-nyc||nyc-1|Hudson|New York|US|huddle|pilot|room_system|android||Lenovo|ThinkSmart Core|SN-dev-nyc||1.0|12|2026-11-01T00:00:00Z|2026-11-23T12:00:00Z|stale",
            "dev-nyc|mic-n|nyc-1|Hudson|New York|US|huddle|pilot|peripheral||microphone|Shure|MXA||2.0|||2026-11-23T11:00:00Z|2026-11-23T11:00:00Z|stale",
            "dev-old||ber-1|Spree|Berlin HQ|DE|board|general|room_system|windows||Lenovo|ThinkSmart Core|SN-dev-old||5.2.1|10.0.22631|2026-11-01T00:00:00Z|2026-11-25T09:00:00Z|unenrolled",
        ]
    );
}
