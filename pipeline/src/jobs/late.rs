//! Late data: which telemetry partitions received files, at which lake version.
//!
//! The lake's commit log (`roomsight_ingest::lake::log`) names every file a commit made live,
//! with its table and UTC date partition. A date a job computed at lake version `v` is stale
//! when a later commit added telemetry to a partition whose rows can fall on that local date.
//! Partitions are UTC dates and reports local dates, and time zones run from UTC−12 to UTC+14,
//! so local date `L` draws on UTC partitions `L−1`, `L` and `L+1`: that is the ±1 day slack.
//! Compaction commits rewrite partitions without changing their rows, so they never count.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use object_store::ObjectStore;
use roomsight_ingest::lake::history::COMPACT_OPERATION;
use roomsight_ingest::lake::log::read_commit;
use roomsight_ingest::schema::Table;

use super::error::Result;

/// Commits that added telemetry, read incrementally from the log.
#[derive(Clone, Debug, Default)]
pub struct Arrivals {
    /// The newest version read.
    pub version: u64,
    /// Per UTC partition date, the versions of the commits that added telemetry to it.
    by_partition: BTreeMap<NaiveDate, Vec<u64>>,
}

impl Arrivals {
    /// Reads the commits after the newest one read so far.
    pub async fn refresh(&mut self, store: &Arc<dyn ObjectStore>) -> Result<()> {
        while let Some(commit) = read_commit(store, self.version + 1).await? {
            self.version += 1;
            if commit.operation == COMPACT_OPERATION {
                continue;
            }
            for file in &commit.add {
                let telemetry = Table::TELEMETRY.iter().any(|t| t.name() == file.table);
                if let (true, Ok(date)) = (telemetry, file.date.parse::<NaiveDate>()) {
                    self.record(self.version, date);
                }
            }
        }
        Ok(())
    }

    /// Notes that commit `version` added telemetry to UTC partition `date`.
    pub fn record(&mut self, version: u64, date: NaiveDate) {
        let versions = self.by_partition.entry(date).or_default();
        if versions.last() != Some(&version) {
            versions.push(version);
        }
    }

    /// Whether telemetry for local date `date` may have landed after lake version `version`.
    pub fn late_since(&self, date: NaiveDate, version: u64) -> bool {
        let day = Days::new(1);
        let from = date.checked_sub_days(day).unwrap_or(date);
        let to = date.checked_add_days(day).unwrap_or(date);
        self.by_partition
            .range(from..=to)
            .any(|(_, versions)| versions.last().is_some_and(|v| *v > version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a test date")
    }

    #[test]
    fn a_file_in_a_neighbouring_utc_partition_makes_a_local_date_late() {
        let mut a = Arrivals::default();
        a.record(5, d("2026-11-25"));
        assert!(
            a.late_since(d("2026-11-24"), 4),
            "next UTC day can hold local 11-24"
        );
        assert!(a.late_since(d("2026-11-25"), 4));
        assert!(
            a.late_since(d("2026-11-26"), 4),
            "previous UTC day can hold local 11-26"
        );
        assert!(!a.late_since(d("2026-11-23"), 4), "two days away cannot");
        assert!(
            !a.late_since(d("2026-11-25"), 5),
            "computed after the file landed"
        );
    }
}
