//! The report registry: every report of `docs/reports.md` by name, with its kind, its SQL and the
//! parameters its SQL uses.
//!
//! Each report is one `.sql` file in `queries/sql/reports/`, opening with a comment that states
//! its definition and the cases `docs/reports.md` leaves open. The SQL uses named parameters
//! (`$from_date`, `$to_date`, `$as_of`, `$business_start_minute`, `$business_end_minute`) and the
//! session functions of [`crate::functions`] (`local_ts`, `local_date`, `utc_from_local`,
//! `version_key`); it stays plain enough for DuckDB to run the same text with macros of the same
//! names.
//!
//! A report's [`ReportKind`] says what window it takes and how its output is partitioned in the
//! lake (`reports/<report>/report_date=YYYY-MM-DD/` or `reports/<report>/as_of=<UTC moment>/`):
//! - [`ReportKind::Daily`]: a date range; one row per key and local date, in the column `date`,
//!   and one output partition per local date;
//! - [`ReportKind::Period`]: a date range; rows summarise the whole range, written as one
//!   partition named after the range's last date;
//! - [`ReportKind::Snapshot`]: a moment; one partition named after it.
//!
//! ```
//! use roomsight_queries::reports::{self, ReportKind, ReportParams, Window};
//! use chrono::NaiveDate;
//!
//! let usage = reports::find("usage_daily").unwrap();
//! assert_eq!(usage.kind, ReportKind::Daily);
//! let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
//! let params = ReportParams::new(Window::Range { from: day, to: day });
//! let bound = usage.bind(&params).unwrap();
//! assert_eq!(bound.iter().map(|(name, _)| *name).collect::<Vec<_>>(), ["from_date", "to_date"]);
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::common::ScalarValue;

/// What window a report takes and how its output is partitioned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// Over a date range; rows carry their local date in the column `date`; one output
    /// partition `report_date=…` per date.
    Daily,
    /// Over a date range; rows summarise the range; one output partition `report_date=<to>`.
    Period,
    /// As of a moment; one output partition `as_of=<moment>`.
    Snapshot,
}

impl ReportKind {
    /// Whether the report takes a date range (`--from/--to`) rather than a moment (`--as-of`).
    pub fn is_range(self) -> bool {
        matches!(self, ReportKind::Daily | ReportKind::Period)
    }
}

/// A named parameter of the report SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `$from_date`: the first local date of the range (DATE, inclusive).
    FromDate,
    /// `$to_date`: the last local date of the range (DATE, inclusive).
    ToDate,
    /// `$as_of`: the moment of a snapshot (TIMESTAMP, UTC); events with `ts` at or before it count.
    AsOf,
    /// `$business_start_minute`: business hours start, minutes after local midnight (BIGINT).
    BusinessStartMinute,
    /// `$business_end_minute`: business hours end (exclusive), minutes after local midnight.
    BusinessEndMinute,
}

impl Param {
    /// The placeholder's name, without the `$`.
    pub fn name(self) -> &'static str {
        match self {
            Param::FromDate => "from_date",
            Param::ToDate => "to_date",
            Param::AsOf => "as_of",
            Param::BusinessStartMinute => "business_start_minute",
            Param::BusinessEndMinute => "business_end_minute",
        }
    }
}

/// One report of `docs/reports.md`.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    /// Its name (the CLI's `roomsight report NAME`, the SQL table of its outputs).
    pub name: &'static str,
    /// Its window and output partitioning.
    pub kind: ReportKind,
    /// One sentence on what it shows.
    pub about: &'static str,
    /// The SQL text.
    pub sql: &'static str,
    /// The parameters the SQL uses, in the order they are bound.
    pub params: &'static [Param],
}

const RANGE: &[Param] = &[Param::FromDate, Param::ToDate];
const AS_OF: &[Param] = &[Param::AsOf];
const RANGE_BUSINESS: &[Param] = &[
    Param::FromDate,
    Param::ToDate,
    Param::BusinessStartMinute,
    Param::BusinessEndMinute,
];

/// Every report, by name.
pub const REPORTS: &[Report] = &[
    Report {
        name: "usage_daily",
        kind: ReportKind::Daily,
        about: "meetings per room and local date: count, minutes, scheduled/ad hoc, people, platform",
        sql: include_str!("../sql/reports/usage_daily.sql"),
        params: RANGE,
    },
    Report {
        name: "utilization_daily",
        kind: ReportKind::Daily,
        about: "business-hours occupancy and bookings per room and local date, zeros included",
        sql: include_str!("../sql/reports/utilization_daily.sql"),
        params: RANGE_BUSINESS,
    },
    Report {
        name: "call_quality_daily",
        kind: ReportKind::Daily,
        about: "calls, poor calls and mean network figures per room and local date",
        sql: include_str!("../sql/reports/call_quality_daily.sql"),
        params: RANGE,
    },
    Report {
        name: "device_reliability_daily",
        kind: ReportKind::Daily,
        about: "per enrolled room system and local date: availability, reboots, sign-outs, peripheral disconnects, incidents",
        sql: include_str!("../sql/reports/device_reliability_daily.sql"),
        params: RANGE,
    },
    Report {
        name: "peripheral_reliability",
        kind: ReportKind::Period,
        about: "per peripheral kind, make, model and firmware over a range: disconnects and incidents per 100 peripheral-days",
        sql: include_str!("../sql/reports/peripheral_reliability.sql"),
        params: RANGE,
    },
    Report {
        name: "inventory",
        kind: ReportKind::Snapshot,
        about: "every room system and peripheral as of a moment, with versions, first/last seen and status",
        sql: include_str!("../sql/reports/inventory.sql"),
        params: AS_OF,
    },
    Report {
        name: "update_compliance",
        kind: ReportKind::Snapshot,
        about: "per ring, component and line as of a moment: target version, targets on it, failed and rolled-back steps",
        sql: include_str!("../sql/reports/update_compliance.sql"),
        params: AS_OF,
    },
    Report {
        name: "health_overview",
        kind: ReportKind::Snapshot,
        about: "per room as of a moment: offline, critical, warning or healthy, with the reasons",
        sql: include_str!("../sql/reports/health_overview.sql"),
        params: AS_OF,
    },
    Report {
        name: "health_overview_summary",
        kind: ReportKind::Snapshot,
        about: "rooms per site and health status as of a moment",
        // The summary wraps the overview's own text: the two cannot drift apart.
        sql: concat!(
            include_str!("../sql/reports/health_overview_summary.sql"),
            include_str!("../sql/reports/health_overview.sql"),
            "\n) AS overview\nGROUP BY site, status\nORDER BY site NULLS LAST, status\n"
        ),
        params: AS_OF,
    },
    Report {
        name: "update_impact",
        kind: ReportKind::Snapshot,
        about: "per component, version and ring as of a moment: affected target-days after the update against a concurrent control, p-value and verdict (promote, hold, halt)",
        sql: include_str!("../sql/reports/update_impact.sql"),
        params: AS_OF,
    },
    Report {
        name: "incident_summary",
        kind: ReportKind::Period,
        about: "per incident kind and severity over a range: opened, resolved, auto-closed, still open, time to resolve",
        sql: include_str!("../sql/reports/incident_summary.sql"),
        params: RANGE,
    },
    Report {
        name: "room_health_daily",
        kind: ReportKind::Daily,
        about: "per room and local date: minutes critical incidents affected it between 05:00 and 21:00, and whether it was healthy (at most 20)",
        sql: include_str!("../sql/reports/room_health_daily.sql"),
        params: RANGE,
    },
    Report {
        name: "room_health_summary",
        kind: ReportKind::Daily,
        about: "per local date: rooms, healthy rooms and their share, affected minutes",
        // The summary wraps room_health_daily's own text: the two cannot drift apart.
        sql: concat!(
            include_str!("../sql/reports/room_health_summary.sql"),
            include_str!("../sql/reports/room_health_daily.sql"),
            "\n) AS daily\nGROUP BY \"date\"\nORDER BY \"date\"\n"
        ),
        params: RANGE,
    },
    Report {
        name: "meeting_impact",
        kind: ReportKind::Daily,
        about: "accepted bookings hit by critical incidents, with the minutes hit and whether the meeting was held",
        sql: include_str!("../sql/reports/meeting_impact.sql"),
        params: RANGE,
    },
    Report {
        name: "failure_stats",
        kind: ReportKind::Period,
        about: "per peripheral kind, make, model and firmware over a range: operating hours, failures, MTBF and time to repair",
        sql: include_str!("../sql/reports/failure_stats.sql"),
        params: RANGE,
    },
];

/// The report called `name`.
pub fn find(name: &str) -> Option<&'static Report> {
    REPORTS.iter().find(|r| r.name == name)
}

/// The names of every report, in registry order.
pub fn names() -> impl Iterator<Item = &'static str> {
    REPORTS.iter().map(|r| r.name)
}

/// What a report is run over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// Local dates `from..=to`.
    Range {
        /// The first date.
        from: NaiveDate,
        /// The last date (inclusive).
        to: NaiveDate,
    },
    /// A moment.
    AsOf(DateTime<Utc>),
}

/// Business hours: Monday–Friday from `start_minute` to `end_minute` (exclusive) after local
/// midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BusinessHours {
    /// Minutes after local midnight when business hours begin (480 = 08:00).
    pub start_minute: i64,
    /// Minutes after local midnight when business hours end (1080 = 18:00).
    pub end_minute: i64,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours {
            start_minute: 8 * 60,
            end_minute: 18 * 60,
        }
    }
}

/// Everything a report run is parameterised by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportParams {
    /// The range or the moment.
    pub window: Window,
    /// The deployment's business hours.
    pub business_hours: BusinessHours,
}

impl ReportParams {
    /// Parameters for `window` with the default business hours.
    pub fn new(window: Window) -> ReportParams {
        ReportParams {
            window,
            business_hours: BusinessHours::default(),
        }
    }
}

/// Why a report cannot be bound to parameters.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    /// A range report was given a moment, or a snapshot report a range.
    #[error("{}", wrong_window(.report, .range))]
    WrongWindow {
        /// The report.
        report: &'static str,
        /// Whether it wants a range.
        range: bool,
    },
    /// The range ends before it starts.
    #[error("the date range {from}..{to} ends before it starts: give --from on or before --to")]
    EmptyRange {
        /// The first date.
        from: NaiveDate,
        /// The last date.
        to: NaiveDate,
    },
    /// Business hours end before they start or leave the day.
    #[error(
        "business hours {start}..{end} (minutes after midnight) are not a span within a day: give \
         0 <= start < end <= 1440"
    )]
    BusinessHours {
        /// The start minute.
        start: i64,
        /// The end minute.
        end: i64,
    },
}

fn wrong_window(report: &str, range: &bool) -> String {
    if *range {
        format!("`{report}` is a date-range report: give --from and --to (local dates)")
    } else {
        format!("`{report}` is a snapshot report: give --as-of (a UTC moment)")
    }
}

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01, for `Date32` values.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// A date as DataFusion's `Date32` (days since 1970-01-01).
pub fn date32(date: NaiveDate) -> ScalarValue {
    use chrono::Datelike;
    ScalarValue::Date32(Some(date.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE))
}

impl Report {
    /// The values of this report's parameters, by name, ready for
    /// [`Catalog::query`](crate::Catalog::query).
    pub fn bind(
        &self,
        params: &ReportParams,
    ) -> Result<Vec<(&'static str, ScalarValue)>, BindError> {
        let hours = params.business_hours;
        if !(0 <= hours.start_minute
            && hours.start_minute < hours.end_minute
            && hours.end_minute <= 1440)
        {
            return Err(BindError::BusinessHours {
                start: hours.start_minute,
                end: hours.end_minute,
            });
        }
        let wrong = || BindError::WrongWindow {
            report: self.name,
            range: self.kind.is_range(),
        };
        let (range, as_of) = match (params.window, self.kind.is_range()) {
            (Window::Range { from, to }, true) if from > to => {
                return Err(BindError::EmptyRange { from, to });
            }
            (Window::Range { from, to }, true) => (Some((from, to)), None),
            (Window::AsOf(at), false) => (None, Some(at)),
            _ => return Err(wrong()),
        };
        Ok(self
            .params
            .iter()
            .filter_map(|p| {
                let value = match p {
                    Param::FromDate => date32(range?.0),
                    Param::ToDate => date32(range?.1),
                    Param::AsOf => ScalarValue::TimestampMicrosecond(
                        Some(as_of?.timestamp_micros()),
                        Some("UTC".into()),
                    ),
                    Param::BusinessStartMinute => ScalarValue::Int64(Some(hours.start_minute)),
                    Param::BusinessEndMinute => ScalarValue::Int64(Some(hours.end_minute)),
                };
                Some((p.name(), value))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn names_are_unique_and_each_file_states_its_definition_and_uses_exactly_its_params() {
        let mut seen = std::collections::HashSet::new();
        for r in REPORTS {
            assert!(seen.insert(r.name), "{} twice", r.name);
            assert!(
                r.sql.starts_with(&format!("-- {}:", r.name)),
                "{}.sql must open with `-- {}: <definition>`",
                r.name,
                r.name
            );
            for p in [
                Param::FromDate,
                Param::ToDate,
                Param::AsOf,
                Param::BusinessStartMinute,
                Param::BusinessEndMinute,
            ] {
                let used = r
                    .sql
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .any(|l| l.contains(&format!("${}", p.name())));
                assert_eq!(used, r.params.contains(&p), "{}: ${}", r.name, p.name());
            }
        }
    }

    #[test]
    fn a_range_binds_dates_as_days_since_the_unix_epoch() {
        assert_eq!(
            date32(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()),
            ScalarValue::Date32(Some(1))
        );
        let bound = find("utilization_daily")
            .unwrap()
            .bind(&ReportParams::new(Window::Range {
                from: day(24),
                to: day(25),
            }))
            .unwrap();
        assert_eq!(
            bound,
            [
                ("from_date", ScalarValue::Date32(Some(20_781))),
                ("to_date", ScalarValue::Date32(Some(20_782))),
                ("business_start_minute", ScalarValue::Int64(Some(480))),
                ("business_end_minute", ScalarValue::Int64(Some(1080))),
            ]
        );
    }

    #[test]
    fn the_wrong_window_or_an_empty_range_is_refused_with_the_fix() {
        let usage = find("usage_daily").unwrap();
        let err = usage
            .bind(&ReportParams::new(Window::AsOf(Utc::now())))
            .unwrap_err();
        assert!(err.to_string().contains("--from and --to"), "{err}");
        let err = usage
            .bind(&ReportParams::new(Window::Range {
                from: day(25),
                to: day(24),
            }))
            .unwrap_err();
        assert_eq!(
            err,
            BindError::EmptyRange {
                from: day(25),
                to: day(24)
            }
        );
        let mut params = ReportParams::new(Window::Range {
            from: day(24),
            to: day(24),
        });
        params.business_hours.end_minute = 1500;
        assert!(matches!(
            usage.bind(&params),
            Err(BindError::BusinessHours { .. })
        ));
    }
}
