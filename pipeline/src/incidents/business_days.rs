//! Business days: Monday to Friday in the room's time zone.
//!
//! An incident "without activity for N business days" closes at the local midnight that ends
//! the N-th whole business day after the local date of its last activity. Activity on a Friday
//! afternoon with N = 3 closes at the start of Thursday: Monday, Tuesday and Wednesday passed.
//! Activity on a weekend counts from the Monday after, the same way.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// Whether `date` is a business day (Monday–Friday).
pub fn is_business_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The instant `days` whole business days after the local date of `activity` have passed in
/// `tz`: the local midnight after the `days`-th business day following that date.
pub fn after_business_days(activity: DateTime<Utc>, days: u32, tz: Tz) -> DateTime<Utc> {
    let mut date = activity.with_timezone(&tz).date_naive();
    let mut counted = 0;
    while counted < days {
        date = next_day(date);
        if is_business_day(date) {
            counted += 1;
        }
    }
    local_midnight(next_day(date), tz)
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX)
}

/// The first instant of `date` in `tz` (midnight, or the end of a gap at midnight).
fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut local = date.and_time(NaiveTime::MIN);
    // A daylight-saving gap can swallow midnight (a few zones shift at 00:00): take the first
    // instant after it, looking at most a day ahead.
    for _ in 0..(24 * 4) {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        local += chrono::Duration::minutes(15);
    }
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn friday_plus_three_is_thursday_midnight_local() {
        // Friday 2026-03-06 14:00 in New York (EST, UTC-5).
        let t = after_business_days(utc("2026-03-06T19:00:00Z"), 3, chrono_tz::America::New_York);
        // Thursday 2026-03-12 00:00 EDT (DST began on Sunday 8 March) = 04:00 UTC.
        assert_eq!(t, utc("2026-03-12T04:00:00Z"));
    }

    #[test]
    fn weekend_activity_counts_from_monday() {
        let tz = chrono_tz::Europe::Berlin;
        let sat = after_business_days(utc("2026-03-07T10:00:00Z"), 1, tz);
        let sun = after_business_days(utc("2026-03-08T10:00:00Z"), 1, tz);
        // Monday passed → Tuesday 00:00 CET = Monday 23:00 UTC.
        assert_eq!(sat, utc("2026-03-09T23:00:00Z"));
        assert_eq!(sun, sat);
    }

    #[test]
    fn the_local_date_decides_not_the_utc_date() {
        // 2026-03-06T23:30Z is Friday in UTC but Saturday 08:30 in Tokyo.
        let tokyo = after_business_days(utc("2026-03-06T23:30:00Z"), 1, chrono_tz::Asia::Tokyo);
        let london = after_business_days(utc("2026-03-06T23:30:00Z"), 1, chrono_tz::Europe::London);
        // Tokyo: Monday passes → Tuesday 00:00 JST = Monday 15:00 UTC.
        assert_eq!(tokyo, utc("2026-03-09T15:00:00Z"));
        // London: Friday's activity, Monday passes → Tuesday 00:00 GMT.
        assert_eq!(london, utc("2026-03-10T00:00:00Z"));
    }

    #[test]
    fn fifteen_business_days_are_three_weeks() {
        let t = after_business_days(utc("2026-03-02T12:00:00Z"), 15, chrono_tz::UTC);
        // Monday 2 March: 15 business days later is Monday 23 March; closes at Tuesday 00:00.
        assert_eq!(t, utc("2026-03-24T00:00:00Z"));
    }
}
