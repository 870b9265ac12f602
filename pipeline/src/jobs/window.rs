//! What one run of a report covers: a range of local dates, or a snapshot moment.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Days, NaiveDate, SecondsFormat, Utc};

/// The window of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// Local dates `from..=to` (a range report's `$from_date`, `$to_date`).
    Dates {
        /// First date.
        from: NaiveDate,
        /// Last date (inclusive).
        to: NaiveDate,
    },
    /// A snapshot as of a moment (a snapshot report's `$as_of`).
    AsOf(DateTime<Utc>),
}

impl Window {
    /// The dates `from..=to`; `from` and `to` are swapped if given the wrong way round.
    pub fn dates(from: NaiveDate, to: NaiveDate) -> Window {
        Window::Dates {
            from: from.min(to),
            to: from.max(to),
        }
    }

    /// Every date the window covers (none for a snapshot).
    pub fn each_date(&self) -> Vec<NaiveDate> {
        match *self {
            Window::Dates { from, to } => from.iter_days().take_while(|d| *d <= to).collect(),
            Window::AsOf(_) => Vec::new(),
        }
    }

    /// Splits a set of dates into the fewest windows of consecutive dates, oldest first.
    pub fn runs_of(dates: &BTreeSet<NaiveDate>) -> Vec<Window> {
        let mut windows = Vec::new();
        let mut current: Option<(NaiveDate, NaiveDate)> = None;
        for &date in dates {
            current = match current {
                Some((from, to)) if to.checked_add_days(Days::new(1)) == Some(date) => {
                    Some((from, date))
                }
                Some((from, to)) => {
                    windows.push(Window::dates(from, to));
                    Some((date, date))
                }
                None => Some((date, date)),
            };
        }
        if let Some((from, to)) = current {
            windows.push(Window::dates(from, to));
        }
        windows
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Window::Dates { from, to } if from == to => write!(f, "{from}"),
            Window::Dates { from, to } => write!(f, "{from}..{to}"),
            Window::AsOf(at) => {
                write!(f, "as of {}", at.to_rfc3339_opts(SecondsFormat::Secs, true))
            }
        }
    }
}
