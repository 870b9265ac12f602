//! `update_compliance` as of a moment over hand-made enrollments, heartbeats, peripherals and
//! update steps whose right answer is known by construction.

use serde_json::json;

use crate::calendar::load_rooms;
use crate::fixture::TestLake;
use crate::fleet::{enrollment, heartbeat_with, peripheral, snapshot, update};

const ROOMS: &str = "\
ber-1,Spree,Berlin HQ,,,10,DE,Europe/Berlin,board,general
ber-2,Havel,Berlin HQ,,,6,DE,Europe/Berlin,huddle,general
ber-3,Dahme,Berlin HQ,,,4,DE,Europe/Berlin,huddle,general
nyc-1,Hudson,New York,,,6,US,America/New_York,huddle,pilot
";

#[test]
fn lines_targets_version_order_and_the_last_seven_days() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    lake.ingest(&[
        // Four enrolled room systems and one unenrolled.
        enrollment("e1", "2026-11-01T00:00:00Z", "dev-1", "ber-1", "enrolled"),
        enrollment("e2", "2026-11-01T00:00:00Z", "dev-2", "ber-2", "enrolled"),
        enrollment("e3", "2026-11-01T00:00:00Z", "dev-n", "nyc-1", "enrolled"),
        enrollment("e4", "2026-11-01T00:00:00Z", "dev-g", "ghost-1", "enrolled"),
        enrollment("e5", "2026-11-01T00:00:00Z", "dev-old", "ber-3", "enrolled"),
        enrollment(
            "e6",
            "2026-11-20T00:00:00Z",
            "dev-old",
            "ber-3",
            "unenrolled",
        ),
        // Their latest heartbeats: the current teams_app and operating_system versions.
        heartbeat_with(
            "h1",
            "2026-11-25T11:00:00Z",
            "dev-1",
            "ber-1",
            1,
            json!({"app_version": "1.10.0", "os_version": "10.0.2"}),
        ),
        heartbeat_with(
            "h2",
            "2026-11-25T11:00:00Z",
            "dev-2",
            "ber-2",
            1,
            json!({"app_version": "1.9.3", "os_version": "10.0.2"}),
        ),
        heartbeat_with(
            "h3",
            "2026-11-25T11:00:00Z",
            "dev-n",
            "nyc-1",
            1,
            json!({"platform": "android", "app_version": "1.9.3", "os_version": "12"}),
        ),
        heartbeat_with(
            "h4",
            "2026-11-25T11:00:00Z",
            "dev-g",
            "ghost-1",
            1,
            json!({"app_version": "1.10", "os_version": "10.0.2"}),
        ),
        heartbeat_with(
            "h5",
            "2026-11-19T11:00:00Z",
            "dev-old",
            "ber-3",
            1,
            json!({"app_version": "1.9.12", "os_version": "10.0.3"}),
        ),
        // Cameras of dev-1 (on 2.0) and dev-2 (on 1.9).
        peripheral(
            "p1",
            "2026-11-25T11:00:00Z",
            "dev-1",
            "ber-1",
            "cam-1",
            "connected",
            json!({"firmware": "2.0"}),
        ),
        peripheral(
            "p2",
            "2026-11-25T11:00:00Z",
            "dev-2",
            "ber-2",
            "cam-2",
            "connected",
            json!({"firmware": "1.9"}),
        ),
        // teams_app on windows: 1.10.0 is higher than 1.9.12 (as text it would not be).
        update(
            "u1",
            "2026-11-10T10:00:00Z",
            "dev-1",
            "ber-1",
            "teams_app",
            "dev-1",
            "1.10.0",
            "succeeded",
        ),
        update(
            "u2",
            "2026-11-10T10:00:00Z",
            "dev-old",
            "ber-3",
            "teams_app",
            "dev-old",
            "1.9.12",
            "succeeded",
        ),
        // dev-2 failed to take it, once in the last 7 days and once before.
        update(
            "u3",
            "2026-11-24T10:00:00Z",
            "dev-2",
            "ber-2",
            "teams_app",
            "dev-2",
            "1.10.0",
            "failed",
        ),
        update(
            "u4",
            "2026-11-10T10:00:00Z",
            "dev-2",
            "ber-2",
            "teams_app",
            "dev-2",
            "1.10.0",
            "failed",
        ),
        // operating_system on windows: the target is set by a room system unenrolled since.
        update(
            "u5",
            "2026-11-15T10:00:00Z",
            "dev-old",
            "ber-3",
            "operating_system",
            "dev-old",
            "10.0.3",
            "succeeded",
        ),
        // On android teams_app only rolled back: no target version.
        update(
            "u6",
            "2026-11-25T08:00:00Z",
            "dev-n",
            "nyc-1",
            "teams_app",
            "dev-n",
            "2.0.0",
            "rolled_back",
        ),
        // Firmware of Logi Rally cameras.
        update(
            "u7",
            "2026-11-12T10:00:00Z",
            "dev-1",
            "ber-1",
            "firmware",
            "cam-1",
            "2.0",
            "succeeded",
        ),
        // The admin agent: dev-1 at 3.1; dev-2 at 3.0 after a failed step to 3.1.
        update(
            "u8",
            "2026-11-12T10:00:00Z",
            "dev-1",
            "ber-1",
            "admin_agent",
            "dev-1",
            "3.1",
            "succeeded",
        ),
        update(
            "u9",
            "2026-11-12T10:00:00Z",
            "dev-2",
            "ber-2",
            "admin_agent",
            "dev-2",
            "3.0",
            "succeeded",
        ),
        update(
            "u10",
            "2026-11-24T12:00:00Z",
            "dev-2",
            "ber-2",
            "admin_agent",
            "dev-2",
            "3.1",
            "failed",
        ),
        // After the moment: unseen.
        update(
            "u11",
            "2026-11-25T13:00:00Z",
            "dev-2",
            "ber-2",
            "teams_app",
            "dev-2",
            "1.11.0",
            "succeeded",
        ),
    ]);
    // A resent update event counts once.
    lake.ingest(&[update(
        "u3",
        "2026-11-24T10:00:00Z",
        "dev-2",
        "ber-2",
        "teams_app",
        "dev-2",
        "1.10.0",
        "failed",
    )]);
    assert_eq!(
        snapshot(&lake, "update_compliance", "2026-11-25T12:00:00Z"),
        [
            "ring|component|line|target_version|targets|on_target|on_target_pct|failed_7d|rolled_back_7d",
            "general|admin_agent|admin_agent|3.1|2|1|50.0|1|0",
            "general|firmware|Logi Rally|2.0|2|1|50.0|0|0",
            "general|operating_system|windows|10.0.3|2|0|0.0|0|0",
            "general|teams_app|windows|1.10.0|2|1|50.0|1|0",
            "pilot|operating_system|android||1|0|0.0|0|0",
            "pilot|teams_app|android||1|0|0.0|0|1",
            "|operating_system|windows|10.0.3|1|0|0.0|0|0",
            "|teams_app|windows|1.10.0|1|1|100.0|0|0",
        ]
    );
}
