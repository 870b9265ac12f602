//! Event-time instants: a strict RFC 3339 parser and a compact UTC representation.
//!
//! Timestamps arrive as RFC 3339 strings with an offset (`2026-11-24T09:15:00Z`,
//! `2026-11-24T10:15:00.250+01:00`). They are kept as an instant in UTC with nanosecond
//! precision (so cross-field rules such as `ts == end` compare exactly) and stored in the lake
//! as microseconds, the unit of every timestamp column.

use std::fmt;

/// An instant in UTC: seconds since the Unix epoch plus nanoseconds within the second.
///
/// Ordering is chronological. The offset the producer wrote is not kept: reports derive local
/// time from the room's time zone, not from the device's clock setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// Why a string is not an RFC 3339 timestamp with offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampError {
    /// The text does not have the `YYYY-MM-DDTHH:MM:SS[.fff]±HH:MM` (or `Z`) shape.
    Shape,
    /// The shape is right but a part is out of its range (month 13, 25:00, Feb 30, …).
    Range,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimestampError::Shape => {
                f.write_str("is not an RFC 3339 timestamp with offset, like 2026-11-24T09:15:00Z")
            }
            TimestampError::Range => f.write_str("has a date or time part out of range"),
        }
    }
}

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// An instant from seconds since the epoch and nanoseconds (`nanos < 1e9`, else clamped).
    pub const fn from_parts(secs: i64, nanos: u32) -> Self {
        let nanos = if nanos >= 1_000_000_000 {
            999_999_999
        } else {
            nanos
        };
        Timestamp { secs, nanos }
    }

    /// An instant from whole seconds since the epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Timestamp { secs, nanos: 0 }
    }

    /// An instant from microseconds since the epoch (the lake's unit).
    pub const fn from_micros(micros: i64) -> Self {
        Timestamp {
            secs: micros.div_euclid(1_000_000),
            nanos: (micros.rem_euclid(1_000_000) * 1000) as u32,
        }
    }

    /// The current time of the system clock.
    pub fn now() -> Self {
        let now = chrono::Utc::now();
        Timestamp::from_parts(now.timestamp(), now.timestamp_subsec_nanos())
    }

    /// Whole seconds since the epoch (floor).
    pub const fn secs(self) -> i64 {
        self.secs
    }

    /// Nanoseconds within the second.
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// Microseconds since the epoch, truncated towards the past: the lake's representation.
    pub const fn micros(self) -> i64 {
        self.secs * 1_000_000 + (self.nanos / 1000) as i64
    }

    /// This instant moved by a number of seconds (negative moves back).
    pub const fn add_secs(self, secs: i64) -> Self {
        Timestamp {
            secs: self.secs + secs,
            nanos: self.nanos,
        }
    }

    /// This instant moved by a number of milliseconds (negative moves back).
    pub const fn add_millis(self, millis: i64) -> Self {
        let total = self.nanos as i64 + millis.rem_euclid(1000) * 1_000_000;
        Timestamp {
            secs: self.secs + millis.div_euclid(1000) + total / 1_000_000_000,
            nanos: (total % 1_000_000_000) as u32,
        }
    }

    /// Days since the epoch of this instant's UTC date (the lake's `date=` partition).
    pub const fn utc_day(self) -> i64 {
        self.secs.div_euclid(86_400)
    }

    /// The UTC calendar date as `YYYY-MM-DD`.
    pub fn utc_date_string(self) -> String {
        let (y, m, d) = civil_from_days(self.utc_day());
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// Parses an RFC 3339 `date-time` (RFC 3339 §5.6): `T`/`t` between date and time, `Z`/`z`
    /// or `±HH:MM` offset, any number of fraction digits (kept to the nanosecond), seconds up
    /// to 60 for a leap second (read as the last nanosecond of second 59).
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimestampError> {
        let b = s.as_bytes();
        if b.len() < 20 {
            return Err(TimestampError::Shape);
        }
        let year = digits(b, 0, 4)?;
        expect(b, 4, b'-')?;
        let month = digits(b, 5, 2)?;
        expect(b, 7, b'-')?;
        let day = digits(b, 8, 2)?;
        if !matches!(b[10], b'T' | b't') {
            return Err(TimestampError::Shape);
        }
        let hour = digits(b, 11, 2)?;
        expect(b, 13, b':')?;
        let minute = digits(b, 14, 2)?;
        expect(b, 16, b':')?;
        let second = digits(b, 17, 2)?;
        let mut i = 19;
        let mut nanos: u32 = 0;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(b[i] - b'0');
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 {
                return Err(TimestampError::Shape);
            }
            for _ in n..9 {
                nanos *= 10;
            }
        }
        let offset_secs: i64 = match b.get(i) {
            Some(b'Z' | b'z') if i + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() => {
                let oh = digits(b, i + 1, 2)?;
                expect(b, i + 3, b':')?;
                let om = digits(b, i + 4, 2)?;
                if oh > 23 || om > 59 {
                    return Err(TimestampError::Range);
                }
                let off = i64::from(oh * 3600 + om * 60);
                if sign == b'-' { -off } else { off }
            }
            _ => return Err(TimestampError::Shape),
        };
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return Err(TimestampError::Range);
        }
        let (second, nanos) = if second == 60 {
            (59, 999_999_999)
        } else {
            (second, nanos)
        };
        let days = days_from_civil(i64::from(year), month, day);
        let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        Ok(Timestamp {
            secs: local - offset_secs,
            nanos,
        })
    }

    /// Builds an instant from a UTC calendar date and time of day.
    pub fn from_utc(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Self {
        let days = days_from_civil(i64::from(year), month, day);
        Timestamp::from_secs(days * 86_400 + i64::from(hour * 3600 + minute * 60 + second))
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with `Z`, and only as many fraction digits as needed (0, 3, 6 or 9).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )?;
        let n = self.nanos;
        if n == 0 {
        } else if n.is_multiple_of(1_000_000) {
            write!(f, ".{:03}", n / 1_000_000)?;
        } else if n.is_multiple_of(1000) {
            write!(f, ".{:06}", n / 1000)?;
        } else {
            write!(f, ".{n:09}")?;
        }
        f.write_str("Z")
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Result<u32, TimestampError> {
    let mut v = 0u32;
    for &c in b.get(at..at + n).ok_or(TimestampError::Shape)? {
        if !c.is_ascii_digit() {
            return Err(TimestampError::Shape);
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Ok(v)
}

fn expect(b: &[u8], at: usize, c: u8) -> Result<(), TimestampError> {
    if b.get(at) == Some(&c) {
        Ok(())
    } else {
        Err(TimestampError::Shape)
    }
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a count of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Timestamp, TimestampError> {
        Timestamp::parse_rfc3339(s)
    }

    #[test]
    fn parses_utc_and_offsets_to_the_same_instant() {
        let a = p("2026-11-24T09:15:00Z").unwrap();
        let b = p("2026-11-24T10:15:00+01:00").unwrap();
        let c = p("2026-11-24T04:15:00-05:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, Timestamp::from_utc(2026, 11, 24, 9, 15, 0));
        assert_eq!(a.to_string(), "2026-11-24T09:15:00Z");
    }

    #[test]
    fn keeps_fractions_exactly() {
        let t = p("2026-11-24T10:15:00.250+01:00").unwrap();
        assert_eq!(t.subsec_nanos(), 250_000_000);
        assert_eq!(t.to_string(), "2026-11-24T09:15:00.250Z");
        let t = p("2026-11-24T10:15:00.123456789123Z").unwrap();
        assert_eq!(t.subsec_nanos(), 123_456_789);
        assert_eq!(t.micros() % 1_000_000, 123_456);
    }

    #[test]
    fn rejects_wrong_shapes() {
        for s in [
            "",
            "2026-11-24",
            "2026-11-24T09:15:00",
            "2026-11-24 09:15:00Z",
            "2026-11-24T09:15Z",
            "2026-11-24T09:15:00.Z",
            "2026-11-24T09:15:00+0100",
            "2026-11-24T09:15:00Z ",
            "26-11-24T09:15:00Z",
            "2026/11/24T09:15:00Z",
            "1700000000",
        ] {
            assert_eq!(p(s), Err(TimestampError::Shape), "{s}");
        }
    }

    #[test]
    fn rejects_out_of_range_parts() {
        for s in [
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T23:60:00Z",
            "2026-11-24T23:00:61Z",
            "2026-11-24T23:00:00+24:00",
        ] {
            assert_eq!(p(s), Err(TimestampError::Range), "{s}");
        }
        assert!(p("2028-02-29T00:00:00Z").is_ok());
        assert!(p("2026-12-31T23:59:60Z").is_ok());
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 19_000, 20_416, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn millis_arithmetic_carries() {
        let t = Timestamp::from_parts(10, 900_000_000).add_millis(250);
        assert_eq!((t.secs(), t.subsec_nanos()), (11, 150_000_000));
        let t = Timestamp::from_parts(10, 100_000_000).add_millis(-250);
        assert_eq!((t.secs(), t.subsec_nanos()), (9, 850_000_000));
    }
}
