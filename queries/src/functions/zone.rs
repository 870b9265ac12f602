//! `local_ts`, `local_date` and `utc_from_local`: instants and wall clocks in a per-row zone.

use std::sync::Arc;

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Builder, StringArray, TimestampMicrosecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

fn utc_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn naive_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

/// The wall-clock time zone `tz` shows at instant `utc`.
pub fn local_wall_clock(utc: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    let offset = tz.offset_from_utc_datetime(&utc.naive_utc()).fix();
    utc.naive_utc() + Duration::seconds(i64::from(offset.local_minus_utc()))
}

/// The instant at which zone `tz`'s clock shows `local`: the first of two when the clock shows
/// it twice (DST ends), and the end of the gap when the clock skips it (DST starts), that is the
/// first instant whose wall clock is later than `local`.
pub fn utc_from_wall_clock(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Inside a gap. Under the offset before the gap the instant lies after the
            // transition; under the offset after it, before. Bisect for the transition.
            let offset_at = |t: NaiveDateTime| {
                i64::from(tz.offset_from_utc_datetime(&t).fix().local_minus_utc())
            };
            let before = offset_at(local - Duration::days(1));
            let after = offset_at(local + Duration::days(1));
            let mut lo = local - Duration::seconds(after.max(before)); // wall clock ≤ local
            let mut hi = local - Duration::seconds(after.min(before)); // wall clock > local
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if mid + Duration::seconds(offset_at(mid)) > local {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            hi.and_utc()
        }
    }
}

/// Parses zone names, remembering the last one (rows of one room share it).
struct Zones {
    last: Option<(String, Tz)>,
}

impl Zones {
    fn new() -> Self {
        Zones { last: None }
    }

    fn get(&mut self, name: &str) -> Result<Tz> {
        if let Some((n, tz)) = &self.last
            && n == name
        {
            return Ok(*tz);
        }
        let Ok(tz) = name.parse::<Tz>() else {
            return exec_err!(
                "`{name}` is not an IANA time zone name (e.g. `Europe/Berlin`, `UTC`); fix the \
                 room directory's timezone column"
            );
        };
        self.last = Some((name.to_owned(), tz));
        Ok(tz)
    }
}

/// The arguments as (timestamps in µs, zone names), both `number_rows` long.
fn timestamps_and_zones(args: &ScalarFunctionArgs, name: &str) -> Result<(ArrayRef, StringArray)> {
    let arrays = ColumnarValue::values_to_arrays(&args.args)?;
    let [ts, tz] = <[ArrayRef; 2]>::try_from(arrays)
        .or_else(|_| exec_err!("{name} takes two arguments: a timestamp and a time zone name"))?;
    let tz = cast(&tz, &DataType::Utf8)?;
    Ok((ts, tz.as_string::<i32>().clone()))
}

/// Coerces (any timestamp or date, any text) to (µs timestamp of `ts_type`, Utf8).
fn coerce(name: &str, args: &[DataType], ts_type: DataType) -> Result<Vec<DataType>> {
    match args {
        [
            DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 | DataType::Null,
            DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null,
        ] => Ok(vec![ts_type, DataType::Utf8]),
        _ => plan_err!("{name} takes (timestamp, time zone name), got {args:?}"),
    }
}

macro_rules! zone_udf {
    ($ty:ident) => {
        #[derive(Debug, PartialEq, Eq, Hash)]
        pub(super) struct $ty {
            signature: Signature,
        }

        impl $ty {
            pub(super) fn new() -> Self {
                Self {
                    signature: Signature::user_defined(Volatility::Immutable),
                }
            }
        }
    };
}

zone_udf!(LocalTs);
zone_udf!(LocalDate);
zone_udf!(UtcFromLocal);

/// Maps each (µs, zone) row through `f`, nulls staying null.
fn map_rows(
    ts: &ArrayRef,
    zones: &StringArray,
    mut f: impl FnMut(i64, Tz) -> Result<Option<i64>>,
) -> Result<Vec<Option<i64>>> {
    let ts = ts.as_primitive::<TimestampMicrosecondType>();
    let mut cache = Zones::new();
    (0..ts.len())
        .map(|i| {
            if ts.is_null(i) || zones.is_null(i) {
                return Ok(None);
            }
            let tz = cache.get(zones.value(i))?;
            f(ts.value(i), tz)
        })
        .collect()
}

fn instant(micros: i64) -> Result<DateTime<Utc>> {
    match DateTime::from_timestamp_micros(micros) {
        Some(t) => Ok(t),
        None => exec_err!("timestamp {micros} µs is out of range"),
    }
}

impl ScalarUDFImpl for LocalTs {
    fn name(&self) -> &str {
        "local_ts"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        coerce(self.name(), args, utc_type())
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(naive_type())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (ts, zones) = timestamps_and_zones(&args, self.name())?;
        let values = map_rows(&ts, &zones, |us, tz| {
            Ok(Some(
                local_wall_clock(instant(us)?, tz)
                    .and_utc()
                    .timestamp_micros(),
            ))
        })?;
        let mut out = TimestampMicrosecondBuilder::with_capacity(values.len());
        out.extend(values);
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

impl ScalarUDFImpl for LocalDate {
    fn name(&self) -> &str {
        "local_date"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        coerce(self.name(), args, utc_type())
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Date32)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (ts, zones) = timestamps_and_zones(&args, self.name())?;
        let values = map_rows(&ts, &zones, |us, tz| {
            let local = local_wall_clock(instant(us)?, tz);
            Ok(Some(i64::from(
                chrono::Datelike::num_days_from_ce(&local.date()) - UNIX_EPOCH_DAYS_FROM_CE,
            )))
        })?;
        let mut out = Date32Builder::with_capacity(values.len());
        out.extend(
            values
                .into_iter()
                .map(|d| d.and_then(|d| i32::try_from(d).ok())),
        );
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

impl ScalarUDFImpl for UtcFromLocal {
    fn name(&self) -> &str {
        "utc_from_local"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        coerce(self.name(), args, naive_type())
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(utc_type())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let (ts, zones) = timestamps_and_zones(&args, self.name())?;
        let values = map_rows(&ts, &zones, |us, tz| {
            let local = instant(us)?.naive_utc();
            Ok(Some(utc_from_wall_clock(local, tz).timestamp_micros()))
        })?;
        let mut out = TimestampMicrosecondBuilder::with_capacity(values.len());
        out.extend(values);
        Ok(ColumnarValue::Array(Arc::new(
            out.finish().with_timezone("UTC"),
        )))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn wall(d: &str, t: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&format!("{d} {t}"), "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn wall_clock_follows_dst() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            local_wall_clock(at("2026-01-15T07:00:00Z"), berlin),
            wall("2026-01-15", "08:00:00")
        );
        assert_eq!(
            local_wall_clock(at("2026-07-15T06:00:00Z"), berlin),
            wall("2026-07-15", "08:00:00")
        );
    }

    #[test]
    fn wall_clock_round_trips_outside_transitions() {
        let tz: Tz = "America/New_York".parse().unwrap();
        let t = at("2026-11-24T15:30:00Z");
        assert_eq!(utc_from_wall_clock(local_wall_clock(t, tz), tz), t);
    }

    #[test]
    fn a_skipped_wall_clock_maps_to_the_end_of_the_gap() {
        // Berlin springs forward on 2026-03-29 at 02:00 local (01:00Z) to 03:00.
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            utc_from_wall_clock(wall("2026-03-29", "02:30:00"), berlin),
            at("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn an_ambiguous_wall_clock_maps_to_its_first_occurrence() {
        // Berlin falls back on 2026-10-25 at 03:00 CEST (01:00Z) to 02:00 CET.
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            utc_from_wall_clock(wall("2026-10-25", "02:30:00"), berlin),
            at("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn a_dst_day_is_23_or_25_hours_long() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let day = |d: NaiveDate| {
            let start = utc_from_wall_clock(d.and_hms_opt(0, 0, 0).unwrap(), berlin);
            let end =
                utc_from_wall_clock(d.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap(), berlin);
            (end - start).num_minutes()
        };
        assert_eq!(day(NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()), 1380);
        assert_eq!(day(NaiveDate::from_ymd_opt(2026, 10, 25).unwrap()), 1500);
        assert_eq!(day(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()), 1440);
    }
}
