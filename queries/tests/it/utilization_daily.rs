//! `utilization_daily` over hand-made meetings and bookings whose right answer is known by
//! construction.

use serde_json::json;

use crate::calendar::{booking, daily, load_rooms, meeting, report_rows};
use crate::fixture::{TestLake, heartbeat};

const HEADER: &str = "room_id|date|business_minutes|occupied_minutes|utilization_pct|booked_minutes|booked_unused_minutes|no_show_bookings|bookings|avg_occupancy_pct|booked_occupied_minutes|booked_only_minutes|occupied_only_minutes|idle_minutes";

#[test]
fn overlaps_count_once_no_shows_and_cancellations_and_every_day_has_a_row() {
    let lake = TestLake::new();
    load_rooms(
        &lake,
        "ber-1,Spree,Berlin HQ,,,10,DE,Europe/Berlin,board,general\n",
    );
    let made = "2026-11-20T10:00:00Z";
    lake.ingest(&[
        // Tuesday 2026-11-24, Berlin UTC+1; business hours 08:00-18:00 local = 07:00-17:00 UTC.
        // 07:00-08:30 local: its 30 minutes after 08:00 count.
        meeting(
            "m0",
            "ber-1",
            "early",
            "2026-11-24T06:00:00Z",
            "2026-11-24T07:30:00Z",
            json!({}),
        ),
        // 08:30-10:00 and 09:30-11:00 local overlap: 08:30-11:00 is 150 minutes.
        meeting(
            "m1",
            "ber-1",
            "a",
            "2026-11-24T07:30:00Z",
            "2026-11-24T09:00:00Z",
            json!({"people_count": 5}),
        ),
        meeting(
            "m2",
            "ber-1",
            "b",
            "2026-11-24T08:30:00Z",
            "2026-11-24T10:00:00Z",
            json!({"people_count": 8}),
        ),
        // Bookings starting that day: 08:30-10:00 and 09:00-10:30 (used, overlapping: 120
        // booked minutes), 14:00-15:00 (a no-show), 17:30-19:00 (a no-show, 30 business
        // minutes), and 12:00-13:00 accepted then cancelled (counts nowhere).
        booking(
            "b1",
            made,
            "ber-1",
            "bk1",
            ("2026-11-24T07:30:00Z", "2026-11-24T09:00:00Z"),
            "accepted",
        ),
        booking(
            "b5",
            made,
            "ber-1",
            "bk5",
            ("2026-11-24T08:00:00Z", "2026-11-24T09:30:00Z"),
            "accepted",
        ),
        booking(
            "b2",
            made,
            "ber-1",
            "bk2",
            ("2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z"),
            "accepted",
        ),
        booking(
            "b3",
            made,
            "ber-1",
            "bk3",
            ("2026-11-24T16:30:00Z", "2026-11-24T18:00:00Z"),
            "accepted",
        ),
        booking(
            "b4",
            made,
            "ber-1",
            "bk4",
            ("2026-11-24T11:00:00Z", "2026-11-24T12:00:00Z"),
            "accepted",
        ),
        booking(
            "b4x",
            "2026-11-21T10:00:00Z",
            "ber-1",
            "bk4",
            ("2026-11-24T11:00:00Z", "2026-11-24T12:00:00Z"),
            "cancelled",
        ),
    ]);
    // Booked 08:30-10:30, 14:00-15:00, 17:30-18:00 = 210 minutes; meetings cover 08:00-11:00,
    // so 90 booked minutes went unused. Occupancy: mean of 50 % and 80 %.
    assert_eq!(
        daily(&lake, "utilization_daily", "2026-11-23", "2026-11-29"),
        [
            HEADER,
            "ber-1|2026-11-23|600|0|0.0|0|0|0|0||0|0|0|600",
            "ber-1|2026-11-24|600|180|30.0|210|90|2|4|65.0|120|90|60|330",
            "ber-1|2026-11-25|600|0|0.0|0|0|0|0||0|0|0|600",
            "ber-1|2026-11-26|600|0|0.0|0|0|0|0||0|0|0|600",
            "ber-1|2026-11-27|600|0|0.0|0|0|0|0||0|0|0|600",
            "ber-1|2026-11-28|0|0||0|0|0|0||0|0|0|0",
            "ber-1|2026-11-29|0|0||0|0|0|0||0|0|0|0",
        ]
    );
}

#[test]
fn a_meeting_across_midnight_is_split_between_the_days() {
    let lake = TestLake::new();
    load_rooms(
        &lake,
        "ber-1,Spree,Berlin HQ,,,10,DE,Europe/Berlin,board,general\n",
    );
    // 22:00 Tuesday to 02:00 Wednesday local; business hours all day (00:00-24:00).
    lake.ingest(&[meeting(
        "m1",
        "ber-1",
        "late",
        "2026-11-24T21:00:00Z",
        "2026-11-25T01:00:00Z",
        json!({}),
    )]);
    assert_eq!(
        report_rows(
            &lake,
            "utilization_daily",
            ("2026-11-24", "2026-11-25"),
            (0, 1440)
        )[1..],
        [
            "ber-1|2026-11-24|1440|120|8.333333333333334|0|0|0|0||0|0|120|1320",
            "ber-1|2026-11-25|1440|120|8.333333333333334|0|0|0|0||0|0|120|1320",
        ]
    );
}

#[test]
fn a_dst_day_has_its_real_length_and_unknown_rooms_are_reported_in_utc() {
    let lake = TestLake::new();
    // Cairo springs forward at 00:00 on Friday 2026-04-24: that day is 23 hours long.
    load_rooms(
        &lake,
        "cai-1,Nile,Cairo,,,8,EG,Africa/Cairo,huddle,general\n",
    );
    lake.ingest(&[
        // Rooms missing from the directory: UTC days, capacity unknown.
        meeting(
            "g1",
            "ghost",
            "gm",
            "2026-04-24T10:00:00Z",
            "2026-04-24T11:00:00Z",
            json!({"people_count": 3}),
        ),
        heartbeat("h1", "2026-04-23T12:00:00Z", "dev-x", "ghost-hb", 100, true),
    ]);
    assert_eq!(
        report_rows(
            &lake,
            "utilization_daily",
            ("2026-04-23", "2026-04-24"),
            (0, 1440)
        ),
        [
            HEADER,
            "cai-1|2026-04-23|1440|0|0.0|0|0|0|0||0|0|0|1440",
            "cai-1|2026-04-24|1380|0|0.0|0|0|0|0||0|0|0|1380",
            "ghost|2026-04-23|1440|0|0.0|0|0|0|0||0|0|0|1440",
            "ghost|2026-04-24|1440|60|4.166666666666667|0|0|0|0||0|0|60|1380",
            "ghost-hb|2026-04-23|1440|0|0.0|0|0|0|0||0|0|0|1440",
            "ghost-hb|2026-04-24|1440|0|0.0|0|0|0|0||0|0|0|1440",
        ]
    );
}
