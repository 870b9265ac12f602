//! Bookings and meetings: local business hours in every zone, meetings from bookings, walk-ins,
//! no-shows, call quality.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, TimeZone, Timelike, Weekday};
use chrono_tz::Tz;

use crate::{Ev, Sim, faulty, healthy, ms};

fn local(tz: Tz, t: i64) -> chrono::DateTime<Tz> {
    tz.timestamp_millis_opt(t).single().expect("an instant")
}

fn check_business_hours(sim: &Sim) {
    let rooms: HashMap<&str, Tz> = sim
        .fleet
        .rooms()
        .iter()
        .map(|r| (r.room_id.as_str(), r.site.tz))
        .collect();
    let meetings = sim.of_type("meeting");
    let mut inside = 0;
    let mut zones = BTreeSet::new();
    let mut by_zone: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for m in &meetings {
        let tz = rooms[m.room_id.as_str()];
        let start = local(tz, ms(m.start.as_deref().unwrap()));
        let weekday = !matches!(start.weekday(), Weekday::Sat | Weekday::Sun);
        let hour = f64::from(start.hour()) + f64::from(start.minute()) / 60.0;
        if weekday && (7.9..18.0).contains(&hour) {
            inside += 1;
        }
        zones.insert(tz.name());
        by_zone.entry(tz.name().to_string()).or_default().push(hour);
    }
    let share = f64::from(inside) / meetings.len() as f64;
    assert!(
        share > 0.9,
        "only {share} of meetings start in local business hours"
    );
    assert!(zones.len() >= 5, "{zones:?}");
    // Zones far apart in UTC still meet at the same local hours.
    for (zone, hours) in by_zone {
        let mean = hours.iter().sum::<f64>() / hours.len() as f64;
        assert!(
            (10.0..15.5).contains(&mean),
            "{zone}: meetings start at {mean}h local on average"
        );
    }
}

#[test]
fn meetings_lie_in_local_business_hours() {
    check_business_hours(faulty());
}

#[test]
fn meetings_follow_daylight_saving() {
    check_business_hours(healthy());
}

#[test]
fn meetings_are_well_formed() {
    let sim = faulty();
    let capacity: HashMap<&str, i64> = sim
        .fleet
        .rooms()
        .iter()
        .map(|r| (r.room_id.as_str(), i64::from(r.capacity)))
        .collect();
    let bookings: HashMap<&str, Vec<&Ev>> =
        sim.of_type("booking")
            .into_iter()
            .fold(HashMap::new(), |mut m, b| {
                m.entry(b.booking_id.as_deref().unwrap())
                    .or_default()
                    .push(b);
                m
            });
    let meetings = sim.of_type("meeting");
    let mut ids = BTreeSet::new();
    let (mut adhoc, mut poor, mut crossing, mut non_teams) = (0, 0, 0, 0);
    for m in &meetings {
        assert!(
            ids.insert(m.meeting_id.clone().unwrap()),
            "meeting ids repeat"
        );
        let (start, end) = (
            ms(m.start.as_deref().unwrap()),
            ms(m.end.as_deref().unwrap()),
        );
        assert_eq!(
            m.ts,
            m.end.clone().unwrap(),
            "a meeting is sent when it ends"
        );
        assert!(start < end && end - start <= 86_400_000);
        assert!(m.people_count.unwrap_or(0) <= capacity[m.room_id.as_str()] + 2);
        assert!(m.participants.unwrap() >= m.people_count.unwrap_or(0));
        match &m.booking_id {
            Some(id) => {
                assert_eq!(m.scheduled, Some(true));
                let b = bookings
                    .get(id.as_str())
                    .unwrap_or_else(|| panic!("{id} was never booked"));
                assert!(
                    b.iter()
                        .all(|b| b.room_id == m.room_id && b.t < start + 15 * 60_000)
                );
                let last = b.iter().max_by_key(|b| b.t).unwrap();
                assert_eq!(
                    last.status.as_deref(),
                    Some("accepted"),
                    "a cancelled booking was held"
                );
                let booked = ms(last.start.as_deref().unwrap());
                assert!(
                    (start - booked).abs() <= 15 * 60_000,
                    "{id}: meeting far from its booking"
                );
            }
            None => {
                assert_eq!(m.scheduled, Some(false));
                adhoc += 1;
            }
        }
        if m.packet_loss_pct.unwrap() > 10.0
            || m.jitter_ms.unwrap() > 30.0
            || m.rtt_ms.unwrap() > 500.0
        {
            poor += 1;
        }
        if m.start.as_deref().unwrap()[..10] != m.end.as_deref().unwrap()[..10] {
            crossing += 1;
        }
        if m.platform.as_deref() != Some("teams") {
            non_teams += 1;
        }
    }
    let n = meetings.len() as f64;
    assert!(n > 150.0, "{n} meetings");
    assert!(adhoc as f64 > n * 0.05, "{adhoc} ad-hoc meetings");
    let poor_share = f64::from(poor) / n;
    assert!((0.01..0.2).contains(&poor_share), "{poor_share} poor calls");
    assert!(
        non_teams > 0 && (non_teams as f64) < n * 0.3,
        "{non_teams} non-teams"
    );
    assert!(crossing > 0, "no meeting crosses a UTC midnight");

    // Some bookings are changed or cancelled, and some accepted ones are no-shows.
    let cancelled = bookings
        .values()
        .filter(|b| b.iter().any(|e| e.status.as_deref() == Some("cancelled")))
        .count();
    let changed = bookings
        .values()
        .filter(|b| b.len() > 1 && b.iter().all(|e| e.status.as_deref() == Some("accepted")))
        .count();
    let held: BTreeSet<&str> = meetings
        .iter()
        .filter_map(|m| m.booking_id.as_deref())
        .collect();
    let no_shows = bookings.keys().filter(|id| !held.contains(*id)).count() - cancelled;
    assert!(
        cancelled > 0 && changed > 0 && no_shows > 0,
        "{cancelled} {changed} {no_shows}"
    );
    for b in bookings.values().flatten() {
        assert!(
            b.t < ms(b.start.as_deref().unwrap()),
            "a booking created after it started"
        );
    }
}
