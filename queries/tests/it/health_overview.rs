//! `health_overview` and `health_overview_summary` as of a moment over hand-made heartbeats,
//! peripherals, updates and incidents whose right answer is known by construction.

use serde_json::json;

use crate::calendar::load_rooms;
use crate::fixture::TestLake;
use crate::fleet::{
    IncidentEvent, heartbeat_with, peripheral, snapshot, update, write_incident_events,
};

const ROOMS: &str = "\
r-crit,Spree,Berlin HQ,,,10,DE,Europe/Berlin,board,general
r-empty,Cam,London,,,4,GB,Europe/London,huddle,general
r-off,Havel,Berlin HQ,,,6,DE,Europe/Berlin,huddle,general
r-ok,Thames,London,,,8,GB,Europe/London,huddle,pilot
r-signout,Dahme,Berlin HQ,,,4,DE,Europe/Berlin,huddle,general
r-warn,Lea,London,,,6,GB,Europe/London,huddle,pilot
";

const AS_OF: &str = "2026-11-25T12:00:00Z";

fn lake_with_every_status() -> TestLake {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    let signed_out = json!({"teams_signed_in": false});
    let optional_hdmi =
        |state: &str| json!({"kind": "hdmi_ingest", "optional": true, "connection": state});
    lake.ingest(&[
        // Offline: its last heartbeat is 10 min 1 s old; its disconnected camera does not matter.
        heartbeat_with(
            "off-1",
            "2026-11-25T11:49:59Z",
            "dev-off",
            "r-off",
            1,
            json!({}),
        ),
        peripheral(
            "off-p",
            "2026-11-25T11:55:00Z",
            "dev-off",
            "r-off",
            "cam-off",
            "disconnected",
            json!({}),
        ),
        // Critical: a disconnected camera and an open critical incident; its disconnected
        // optional HDMI ingest is a warning and is not listed.
        heartbeat_with(
            "crit-1",
            "2026-11-25T11:59:00Z",
            "dev-crit",
            "r-crit",
            1,
            json!({}),
        ),
        peripheral(
            "crit-p1",
            "2026-11-25T11:50:00Z",
            "dev-crit",
            "r-crit",
            "cam-crit",
            "connected",
            json!({}),
        ),
        peripheral(
            "crit-p2",
            "2026-11-25T11:55:00Z",
            "dev-crit",
            "r-crit",
            "cam-crit",
            "disconnected",
            json!({}),
        ),
        peripheral(
            "crit-p3",
            "2026-11-25T11:55:00Z",
            "dev-crit",
            "r-crit",
            "hdmi-crit",
            "disconnected",
            optional_hdmi("disconnected"),
        ),
        // Critical: the latest heartbeat is signed out (an earlier one was not).
        heartbeat_with(
            "so-1",
            "2026-11-25T11:55:00Z",
            "dev-so",
            "r-signout",
            1,
            json!({}),
        ),
        heartbeat_with(
            "so-2",
            "2026-11-25T11:58:00Z",
            "dev-so",
            "r-signout",
            2,
            signed_out.clone(),
        ),
        // Warning: an optional peripheral disconnected, a failed update in the last 24 h; the
        // camera it replaced last reported 25 h ago, disconnected, and no longer counts.
        heartbeat_with(
            "w-1",
            "2026-11-25T11:59:30Z",
            "dev-w",
            "r-warn",
            1,
            json!({}),
        ),
        peripheral(
            "w-p1",
            "2026-11-25T11:00:00Z",
            "dev-w",
            "r-warn",
            "hdmi-w",
            "disconnected",
            optional_hdmi("disconnected"),
        ),
        peripheral(
            "w-p2",
            "2026-11-24T11:00:00Z",
            "dev-w",
            "r-warn",
            "cam-old",
            "disconnected",
            json!({}),
        ),
        peripheral(
            "w-p3",
            "2026-11-25T11:30:00Z",
            "dev-w",
            "r-warn",
            "cam-new",
            "connected",
            json!({}),
        ),
        update(
            "w-u1",
            "2026-11-25T01:00:00Z",
            "dev-w",
            "r-warn",
            "firmware",
            "cam-new",
            "2.0",
            "failed",
        ),
        update(
            "w-u2",
            "2026-11-24T11:00:00Z",
            "dev-w",
            "r-warn",
            "teams_app",
            "dev-w",
            "2.0",
            "failed",
        ),
        // Healthy: a heartbeat exactly 10 minutes old keeps it online; what happens after the
        // moment is unseen.
        heartbeat_with(
            "ok-1",
            "2026-11-25T11:50:00Z",
            "dev-ok",
            "r-ok",
            1,
            json!({}),
        ),
        heartbeat_with(
            "ok-2",
            "2026-11-25T12:05:00Z",
            "dev-ok",
            "r-ok",
            2,
            signed_out,
        ),
        peripheral(
            "ok-p1",
            "2026-11-25T11:45:00Z",
            "dev-ok",
            "r-ok",
            "cam-ok",
            "connected",
            json!({}),
        ),
        peripheral(
            "ok-p2",
            "2026-11-25T12:01:00Z",
            "dev-ok",
            "r-ok",
            "cam-ok",
            "disconnected",
            json!({}),
        ),
        // A room missing from the directory, healthy.
        heartbeat_with(
            "g-1",
            "2026-11-25T11:59:00Z",
            "dev-g",
            "r-ghost",
            1,
            json!({}),
        ),
    ]);
    let resolved = IncidentEvent::opened(
        "inc-r1",
        "device_offline",
        "critical",
        "r-ok",
        "dev-ok",
        "2026-11-25T09:00:00Z",
    );
    let reopened_later = IncidentEvent::opened(
        "inc-r2",
        "signed_out",
        "critical",
        "r-ok",
        "dev-ok",
        "2026-11-25T08:00:00Z",
    );
    write_incident_events(
        &lake,
        &[
            IncidentEvent::opened(
                "inc-c1",
                "peripheral_disconnected",
                "critical",
                "r-crit",
                "dev-crit",
                "2026-11-25T10:00:00Z",
            ),
            IncidentEvent::opened(
                "inc-w1",
                "update_failed",
                "warning",
                "r-warn",
                "dev-w",
                "2026-11-25T02:00:00Z",
            ),
            resolved.clone(),
            resolved.then("resolved", "2026-11-25T10:00:00Z"),
            reopened_later.clone(),
            reopened_later.then("resolved", "2026-11-25T09:00:00Z"),
            reopened_later
                .then("resolved", "2026-11-25T09:00:00Z")
                .then("reopened", "2026-11-25T12:30:00Z"),
            IncidentEvent::opened(
                "inc-late",
                "device_offline",
                "critical",
                "r-ok",
                "dev-ok",
                "2026-11-25T12:30:00Z",
            ),
        ],
    );
    lake
}

#[test]
fn status_precedence_reasons_and_the_24_hour_peripheral_window() {
    let lake = lake_with_every_status();
    assert_eq!(
        snapshot(&lake, "health_overview", AS_OF),
        [
            "room_id|room_name|site|status|reasons|open_incidents|last_heartbeat",
            "r-crit|Spree|Berlin HQ|critical|peripheral_disconnected:room_camera;incident:inc-c1|1|2026-11-25T11:59:00Z",
            "r-empty|Cam|London|offline|no_heartbeat|0|",
            "r-ghost|||healthy||0|2026-11-25T11:59:00Z",
            "r-off|Havel|Berlin HQ|offline|no_heartbeat|0|2026-11-25T11:49:59Z",
            "r-ok|Thames|London|healthy||0|2026-11-25T11:50:00Z",
            "r-signout|Dahme|Berlin HQ|critical|teams_signed_out|0|2026-11-25T11:58:00Z",
            "r-warn|Lea|London|warning|peripheral_disconnected:hdmi_ingest;incident:inc-w1;update_failed:firmware|1|2026-11-25T11:59:30Z",
        ]
    );
}

#[test]
fn the_summary_counts_rooms_per_site_and_status() {
    let lake = lake_with_every_status();
    assert_eq!(
        snapshot(&lake, "health_overview_summary", AS_OF),
        [
            "site|status|rooms",
            "Berlin HQ|critical|2",
            "Berlin HQ|offline|1",
            "London|healthy|1",
            "London|offline|1",
            "London|warning|1",
            "|healthy|1",
        ]
    );
}
