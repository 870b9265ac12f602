//! The schedule file: which reports run when, over which window.
//!
//! See the module doc of [`crate::jobs`] for the format. Everything is checked when the file
//! is loaded (cron expressions, time zones, windows, duplicate names), so a bad schedule fails
//! at start, not at 02:15 the next night.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use serde::Deserialize;

use super::error::JobsError;
use super::window::Window;

/// Missed runs caught up per job when none is configured.
pub const DEFAULT_CATCH_UP: usize = 7;
/// Days looked back for late data and failed runs when none is configured.
pub const DEFAULT_RECOMPUTE_DAYS: u32 = 7;

/// A loaded, validated schedule.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// The jobs, in file order.
    pub jobs: Vec<Job>,
}

/// One scheduled report.
#[derive(Clone, Debug)]
pub struct Job {
    /// Unique name; names the folder of its run records.
    pub name: String,
    /// The report it runs (a name of docs/reports.md).
    pub report: String,
    /// When it runs: a 5-field cron expression, evaluated in `timezone`.
    pub cron: Cron,
    /// The expression as written.
    pub cron_text: String,
    /// Time zone of the cron expression and of the local dates of its window.
    pub timezone: Tz,
    /// What each run covers.
    pub window: WindowSpec,
    /// At most this many missed runs are caught up (the newest ones).
    pub catch_up: usize,
    /// Dates older than this many days before today are never recomputed.
    pub recompute_days: u32,
}

/// What a run covers, relative to the moment it was scheduled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowSpec {
    /// The local date before the scheduled moment's.
    Yesterday,
    /// The scheduled moment's local date.
    Today,
    /// The `n` local dates ending yesterday.
    LastDays(u32),
    /// A snapshot as of the scheduled moment.
    Snapshot,
}

impl WindowSpec {
    /// Parses `yesterday`, `today`, `last N days` or `snapshot`.
    pub fn parse(text: &str) -> Option<WindowSpec> {
        let words: Vec<String> = text
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["yesterday"] => Some(WindowSpec::Yesterday),
            ["today"] => Some(WindowSpec::Today),
            ["snapshot"] | ["now"] => Some(WindowSpec::Snapshot),
            ["last", n, "day" | "days"] => match n.parse::<u32>() {
                Ok(n @ 1..=366) => Some(WindowSpec::LastDays(n)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The window of a run scheduled for `at`, with local dates in `tz`.
    pub fn resolve(self, at: DateTime<Utc>, tz: Tz) -> Window {
        let today = at.with_timezone(&tz).date_naive();
        let back = |n: u32| today.checked_sub_days(Days::new(n.into())).unwrap_or(today);
        match self {
            WindowSpec::Yesterday => Window::dates(back(1), back(1)),
            WindowSpec::Today => Window::dates(today, today),
            WindowSpec::LastDays(n) => Window::dates(back(n), back(1)),
            WindowSpec::Snapshot => Window::AsOf(at),
        }
    }

    /// Whether runs cover date ranges (and so can be recomputed per date).
    pub fn is_range(self) -> bool {
        !matches!(self, WindowSpec::Snapshot)
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    timezone: Option<String>,
    catch_up: Option<usize>,
    recompute_days: Option<u32>,
    #[serde(default, rename = "jobs")]
    jobs: Vec<JobEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobEntry {
    name: Option<String>,
    report: String,
    cron: String,
    window: String,
    timezone: Option<String>,
    catch_up: Option<usize>,
    recompute_days: Option<u32>,
}

/// Parses a 5-field cron expression (minute hour day-of-month month day-of-week).
pub fn parse_cron(text: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(text)
        .map_err(|e| e.to_string())
}

fn parse_tz(text: &str) -> Option<Tz> {
    text.parse::<Tz>().ok()
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Schedule {
    /// Reads and validates a schedule file.
    pub fn load(path: &Path) -> Result<Schedule, JobsError> {
        let text = std::fs::read_to_string(path).map_err(|source| JobsError::ReadSchedule {
            path: path.display().to_string(),
            source,
        })?;
        Schedule::parse(&text).map_err(|reason| JobsError::BadSchedule {
            path: path.display().to_string(),
            reason,
        })
    }

    /// Parses and validates a schedule's text; the error says what is wrong where.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let default_tz = match &file.timezone {
            Some(name) => parse_tz(name)
                .ok_or_else(|| format!("`timezone = \"{name}\"` is not an IANA time zone name"))?,
            None => Tz::UTC,
        };
        if file.jobs.is_empty() {
            return Err("the schedule has no `[[jobs]]`; add at least one".into());
        }
        let mut names = BTreeSet::new();
        let mut jobs = Vec::with_capacity(file.jobs.len());
        for entry in file.jobs {
            let name = entry.name.unwrap_or_else(|| entry.report.clone());
            if !valid_name(&name) {
                return Err(format!(
                    "job name `{name}` may hold only letters, digits, `_` and `-`"
                ));
            }
            if !names.insert(name.clone()) {
                return Err(format!(
                    "two jobs are named `{name}`; give one a distinct `name`"
                ));
            }
            let cron = parse_cron(&entry.cron).map_err(|e| {
                format!(
                    "job `{name}`: `cron = \"{}\"` is not a 5-field cron expression \
                     (minute hour day-of-month month day-of-week): {e}",
                    entry.cron
                )
            })?;
            let window = WindowSpec::parse(&entry.window).ok_or_else(|| {
                format!(
                    "job `{name}`: `window = \"{}\"` is not one of `yesterday`, `today`, \
                     `last N days`, `snapshot`",
                    entry.window
                )
            })?;
            let timezone = match &entry.timezone {
                Some(tz) => parse_tz(tz).ok_or_else(|| {
                    format!("job `{name}`: `timezone = \"{tz}\"` is not an IANA time zone name")
                })?,
                None => default_tz,
            };
            jobs.push(Job {
                report: entry.report,
                cron,
                cron_text: entry.cron,
                timezone,
                window,
                catch_up: entry.catch_up.or(file.catch_up).unwrap_or(DEFAULT_CATCH_UP),
                recompute_days: entry
                    .recompute_days
                    .or(file.recompute_days)
                    .unwrap_or(DEFAULT_RECOMPUTE_DAYS),
                name,
            });
        }
        Ok(Schedule { jobs })
    }
}

impl Job {
    /// The local date of `at` in the job's time zone.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.timezone).date_naive()
    }

    /// The first scheduled moment strictly after `after`, if the expression has one.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&self.timezone), false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Up to `catch_up` scheduled moments in `(after, now]`, oldest first; with no `after`,
    /// only the newest moment at or before `now`.
    pub fn due(&self, after: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let limit = if after.is_some() { self.catch_up } else { 1 };
        let mut due = Vec::new();
        let mut cursor = now.with_timezone(&self.timezone);
        let mut inclusive = true;
        while due.len() < limit {
            let Ok(t) = self.cron.find_previous_occurrence(&cursor, inclusive) else {
                break;
            };
            let utc = t.with_timezone(&Utc);
            if after.is_some_and(|a| utc <= a) {
                break;
            }
            due.push(utc);
            cursor = t;
            inclusive = false;
        }
        due.reverse();
        due
    }
}
