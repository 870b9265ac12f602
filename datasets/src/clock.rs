//! Simulated time: epoch milliseconds, half-open spans, and local wall-clock times in a room's
//! zone (daylight saving handled by chrono-tz).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use roomsight_ingest::Timestamp;

/// Milliseconds since the Unix epoch: the simulator's clock.
pub(crate) type Ms = i64;

/// One second in [`Ms`].
pub(crate) const SEC: Ms = 1000;
/// One minute in [`Ms`].
pub(crate) const MIN: Ms = 60 * SEC;
/// One hour in [`Ms`].
pub(crate) const HOUR: Ms = 60 * MIN;
/// One day in [`Ms`].
pub(crate) const DAY: Ms = 24 * HOUR;

/// The contract's timestamp for an instant in [`Ms`].
pub(crate) fn ts(ms: Ms) -> Timestamp {
    Timestamp::from_parts(ms.div_euclid(SEC), (ms.rem_euclid(SEC) * 1_000_000) as u32)
}

/// Midnight UTC of a date, in [`Ms`].
pub(crate) fn utc_midnight(date: NaiveDate) -> Ms {
    date.and_time(NaiveTime::MIN).and_utc().timestamp_millis()
}

/// A duration given in (fractional) hours, in [`Ms`].
pub(crate) fn hours(h: f64) -> Ms {
    (h * HOUR as f64) as Ms
}

/// A duration given in (fractional) minutes, in [`Ms`].
pub(crate) fn minutes(m: f64) -> Ms {
    (m * MIN as f64) as Ms
}

/// The instant of a local wall-clock time (`minute` minutes after local midnight of `date`,
/// may exceed a day) in `tz`. A time skipped by a spring-forward change is read as the same
/// wall time an hour later; a repeated one (autumn) as its first occurrence.
pub(crate) fn local_ms(tz: Tz, date: NaiveDate, minute: i64) -> Ms {
    let naive = date.and_time(NaiveTime::MIN) + chrono::Duration::minutes(minute);
    resolve(tz, naive).unwrap_or_else(|| {
        let later = naive + chrono::Duration::hours(1);
        resolve(tz, later).unwrap_or_else(|| later.and_utc().timestamp_millis())
    })
}

fn resolve(tz: Tz, naive: NaiveDateTime) -> Option<Ms> {
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// The local date of an instant in `tz`.
pub(crate) fn local_date(tz: Tz, ms: Ms) -> NaiveDate {
    let utc = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    utc.with_timezone(&tz).date_naive()
}

/// Whether a date is a working day (Monday–Friday).
pub(crate) fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A half-open interval of time `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Span {
    /// First instant inside.
    pub(crate) start: Ms,
    /// First instant after.
    pub(crate) end: Ms,
}

impl Span {
    /// The span `[start, end)`.
    pub(crate) const fn new(start: Ms, end: Ms) -> Self {
        Span { start, end }
    }

    /// Whether `t` lies inside.
    pub(crate) const fn contains(&self, t: Ms) -> bool {
        self.start <= t && t < self.end
    }

    /// Whether two spans share an instant, allowing `margin` of space between them.
    pub(crate) const fn overlaps(&self, other: &Span, margin: Ms) -> bool {
        self.start < other.end + margin && other.start < self.end + margin
    }
}

/// The span of a sorted, non-overlapping list that contains `t`, if any.
pub(crate) fn span_at(spans: &[Span], t: Ms) -> Option<&Span> {
    let i = spans.partition_point(|s| s.end <= t);
    spans.get(i).filter(|s| s.start <= t)
}

/// Sorts spans and merges those that touch or overlap.
pub(crate) fn merge_spans(spans: &mut Vec<Span>) {
    spans.retain(|s| s.start < s.end);
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans.drain(..) {
        match out.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    *spans = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid test date")
    }

    #[test]
    fn local_times_follow_daylight_saving() {
        let tz = chrono_tz::Europe::London;
        // 09:00 London is 09:00Z in winter and 08:00Z in summer.
        let winter = local_ms(tz, date(2026, 11, 24), 9 * 60);
        assert_eq!(ts(winter).to_string(), "2026-11-24T09:00:00Z");
        let summer = local_ms(tz, date(2026, 7, 1), 9 * 60);
        assert_eq!(ts(summer).to_string(), "2026-07-01T08:00:00Z");
        // Spring forward: 01:30 on 2026-03-29 does not exist; read as 02:30 BST = 01:30Z.
        let gap = local_ms(tz, date(2026, 3, 29), 90);
        assert_eq!(ts(gap).to_string(), "2026-03-29T01:30:00Z");
        // Autumn: 01:30 on 2026-10-25 happens twice; the first is 00:30Z.
        let fold = local_ms(tz, date(2026, 10, 25), 90);
        assert_eq!(ts(fold).to_string(), "2026-10-25T00:30:00Z");
        // Sydney is ahead: 09:00 local on a Monday is Sunday 22:00Z in its summer.
        let syd = local_ms(chrono_tz::Australia::Sydney, date(2026, 11, 23), 9 * 60);
        assert_eq!(ts(syd).to_string(), "2026-11-22T22:00:00Z");
        assert_eq!(
            local_date(chrono_tz::Australia::Sydney, syd),
            date(2026, 11, 23)
        );
    }

    #[test]
    fn spans_merge_and_find() {
        let mut v = vec![
            Span::new(10, 20),
            Span::new(0, 5),
            Span::new(15, 30),
            Span::new(30, 31),
        ];
        merge_spans(&mut v);
        assert_eq!(v, vec![Span::new(0, 5), Span::new(10, 31)]);
        assert_eq!(span_at(&v, 4), Some(&Span::new(0, 5)));
        assert_eq!(span_at(&v, 5), None);
        assert_eq!(span_at(&v, 30), Some(&Span::new(10, 31)));
        assert_eq!(ts(1_500).to_string(), "1970-01-01T00:00:01.500Z");
        assert!(is_weekday(date(2026, 11, 27)) && !is_weekday(date(2026, 11, 28)));
    }
}
