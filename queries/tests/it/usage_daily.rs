//! `usage_daily` over hand-made meetings whose right answer is known by construction.

use serde_json::json;

use crate::calendar::{daily, load_rooms, meeting};
use crate::fixture::TestLake;

const ROOMS: &str = "\
ber-1,Spree,Berlin HQ,,,10,DE,Europe/Berlin,board,general
nyc-1,Hudson,New York,,,6,US,America/New_York,huddle,pilot
";

#[test]
fn meetings_count_on_their_local_start_date_with_unclipped_minutes() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    lake.ingest(&[
        // Berlin is UTC+1 in November. 09:00-10:00 and 09:30-10:45 local overlap: both count,
        // minutes are summed (60 + 75), not unioned.
        meeting(
            "e1",
            "ber-1",
            "m1",
            "2026-11-24T08:00:00Z",
            "2026-11-24T09:00:00Z",
            json!({"participants": 3, "people_count": 2}),
        ),
        meeting(
            "e2",
            "ber-1",
            "m2",
            "2026-11-24T08:30:00Z",
            "2026-11-24T09:45:00Z",
            json!({"scheduled": false, "platform": "zoom", "participants": 6, "people_count": 7}),
        ),
        // 23:30 Tuesday to 01:00 Wednesday local: Tuesday's, all 90 minutes.
        meeting(
            "e3",
            "ber-1",
            "m3",
            "2026-11-24T22:30:00Z",
            "2026-11-25T00:00:00Z",
            json!({"participants": 2, "platform": "webex"}),
        ),
        // 20:00 local New York on the 24th is 01:00 UTC on the 25th: the 24th there.
        meeting(
            "e4",
            "nyc-1",
            "m4",
            "2026-11-25T01:00:00Z",
            "2026-11-25T01:30:30Z",
            json!({}),
        ),
    ]);
    assert_eq!(
        daily(&lake, "usage_daily", "2026-11-24", "2026-11-25"),
        [
            "room_id|date|meetings|meeting_minutes|scheduled_meetings|adhoc_meetings|avg_participants|max_people_count|teams_meetings|other_platform_meetings",
            "ber-1|2026-11-24|3|225|2|1|3.6666666666666665|7|1|2",
            "nyc-1|2026-11-24|1|30|1|0|4.0||1|0",
        ]
    );
}

#[test]
fn a_duplicate_counts_once_a_resend_replaces_and_a_late_event_lands_in_its_day() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    lake.ingest(&[
        meeting(
            "e1",
            "ber-1",
            "m1",
            "2026-11-24T08:00:00Z",
            "2026-11-24T09:00:00Z",
            json!({}),
        ),
        // the same event again (a producer retry): once
        meeting(
            "e1",
            "ber-1",
            "m1",
            "2026-11-24T08:00:00Z",
            "2026-11-24T09:00:00Z",
            json!({}),
        ),
        // m2 sent, then re-sent later with a later end: the latest by ts is the meeting
        meeting(
            "e2",
            "ber-1",
            "m2",
            "2026-11-24T10:00:00Z",
            "2026-11-24T10:30:00Z",
            json!({}),
        ),
        meeting(
            "e3",
            "ber-1",
            "m2",
            "2026-11-24T10:00:00Z",
            "2026-11-24T10:45:00Z",
            json!({}),
        ),
    ]);
    // A late event for an earlier day arrives in a later backfill.
    lake.ingest(&[meeting(
        "late",
        "ber-1",
        "m0",
        "2026-11-23T12:00:00Z",
        "2026-11-23T12:20:00Z",
        json!({}),
    )]);
    assert_eq!(
        daily(&lake, "usage_daily", "2026-11-23", "2026-11-24")[1..],
        [
            "ber-1|2026-11-23|1|20|1|0|4.0||1|0",
            "ber-1|2026-11-24|2|105|2|0|4.0||2|0",
        ]
    );
}

#[test]
fn an_unknown_room_is_reported_in_utc_and_a_dst_day_keeps_real_minutes() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    lake.ingest(&[
        // Not in the directory: UTC dates. 23:50-00:10 UTC belongs to the 24th.
        meeting(
            "u1",
            "ghost-7",
            "g1",
            "2026-11-24T23:50:00Z",
            "2026-11-25T00:10:00Z",
            json!({}),
        ),
        // Berlin leaves summer time on Sunday 2026-10-25 at 03:00 CEST (01:00 UTC).
        // 00:30 local on the 25th is 22:30 UTC on the 24th: the 25th's.
        meeting(
            "d1",
            "ber-1",
            "dst1",
            "2026-10-24T22:30:00Z",
            "2026-10-24T23:00:00Z",
            json!({}),
        ),
        // 02:30 CEST to 02:30 CET: the wall clock shows no time passing, but 60 minutes did.
        meeting(
            "d2",
            "ber-1",
            "dst2",
            "2026-10-25T00:30:00Z",
            "2026-10-25T01:30:00Z",
            json!({}),
        ),
    ]);
    assert_eq!(
        daily(&lake, "usage_daily", "2026-10-24", "2026-10-25")[1..],
        ["ber-1|2026-10-25|2|90|2|0|4.0||2|0"]
    );
    assert_eq!(
        daily(&lake, "usage_daily", "2026-11-24", "2026-11-24")[1..],
        ["ghost-7|2026-11-24|1|20|1|0|4.0||1|0"]
    );
}

#[test]
fn days_without_meetings_have_no_rows() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    lake.ingest(&[meeting(
        "e1",
        "ber-1",
        "m1",
        "2026-11-24T08:00:00Z",
        "2026-11-24T09:00:00Z",
        json!({}),
    )]);
    let rows = daily(&lake, "usage_daily", "2026-11-25", "2026-11-30");
    assert!(rows.len() <= 1, "{rows:?}");
}
