//! `call_quality_daily` over hand-made calls whose right answer is known by construction.

use serde_json::json;

use crate::calendar::{daily, load_rooms, meeting};
use crate::fixture::TestLake;

#[test]
fn poor_calls_use_strict_thresholds_and_days_follow_the_room_zone() {
    let lake = TestLake::new();
    load_rooms(
        &lake,
        "nyc-1,Hudson,New York,,,6,US,America/New_York,huddle,pilot\n",
    );
    let call = |loss: f64, jitter: f64, rtt: f64| json!({"packet_loss_pct": loss, "jitter_ms": jitter, "rtt_ms": rtt});
    lake.ingest(&[
        // Tuesday 2026-11-24 in New York (UTC-5).
        meeting(
            "c1",
            "nyc-1",
            "m1",
            "2026-11-24T14:00:00Z",
            "2026-11-24T14:30:00Z",
            call(10.0, 30.0, 500.0),
        ),
        meeting(
            "c2",
            "nyc-1",
            "m2",
            "2026-11-24T15:00:00Z",
            "2026-11-24T15:30:00Z",
            call(10.5, 1.0, 20.0),
        ),
        meeting(
            "c3",
            "nyc-1",
            "m3",
            "2026-11-24T16:00:00Z",
            "2026-11-24T16:30:00Z",
            call(0.0, 31.0, 20.0),
        ),
        // 22:00 local on the 24th is 03:00 UTC on the 25th: still the 24th's call.
        meeting(
            "c4",
            "nyc-1",
            "m4",
            "2026-11-25T03:00:00Z",
            "2026-11-25T03:30:00Z",
            call(1.5, 1.0, 900.0),
        ),
        // the same event twice counts once
        meeting(
            "c4",
            "nyc-1",
            "m4",
            "2026-11-25T03:00:00Z",
            "2026-11-25T03:30:00Z",
            call(1.5, 1.0, 900.0),
        ),
        // a room missing from the directory: its UTC date
        meeting(
            "u1",
            "ghost",
            "g1",
            "2026-11-25T03:00:00Z",
            "2026-11-25T03:30:00Z",
            call(0.0, 0.0, 0.0),
        ),
    ]);
    assert_eq!(
        daily(&lake, "call_quality_daily", "2026-11-24", "2026-11-25"),
        [
            "room_id|date|calls|poor_calls|poor_call_pct|avg_packet_loss_pct|avg_jitter_ms|avg_rtt_ms",
            "ghost|2026-11-25|1|0|0.0|0.0|0.0|0.0",
            "nyc-1|2026-11-24|4|3|75.0|5.5|15.75|360.0",
        ]
    );
}
