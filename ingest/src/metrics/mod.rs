//! Prometheus metrics of the ingest and their `/metrics` endpoint.
//!
//! The metrics answer the questions an operator asks of a running ingest: is it keeping up
//! (consumer lag, buffered rows), is what comes in what goes out (messages → events + dead
//! letters + duplicates → rows committed), why messages are rejected (dead letters by reason),
//! and how the lake is written (files, bytes, flush latency, commits and conflicts).
//!
//! A [`Metrics`] registry is shared as `Arc<Metrics>` by the consume loop, the lake writer and
//! the endpoint ([`serve`]). Counters and simple gauges are atomics; the flush histogram and the
//! per-partition gauges take a mutex for a few instructions. Updates are meant to be made once
//! per batch or flush with a count (`metrics.events(Table::Heartbeats, 812)`), not per event.
//!
//! | metric | type | labels | meaning |
//! |---|---|---|---|
//! | `roomsight_ingest_messages_total` | counter | `source` (`kafka`, `file`) | messages (Kafka records or file lines) read |
//! | `roomsight_ingest_events_total` | counter | `table` | valid events accepted, by the telemetry table they go to |
//! | `roomsight_ingest_duplicates_total` | counter | `table` | resent events dropped because their `event_id` was already seen |
//! | `roomsight_ingest_rows_committed_total` | counter | `table` | rows committed to the lake, `dead_letters` included |
//! | `roomsight_ingest_dead_letters_total` | counter | `reason` | messages rejected, by the contract's reason name |
//! | `roomsight_ingest_redactions_total` | counter | | personal data redacted from `log` messages |
//! | `roomsight_ingest_files_written_total` | counter | `table` | Parquet files written |
//! | `roomsight_ingest_bytes_written_total` | counter | `table` | bytes of Parquet files written |
//! | `roomsight_ingest_commits_total` | counter | | lake commits that succeeded |
//! | `roomsight_ingest_commit_conflicts_total` | counter | | lake commits that lost a race and were retried or abandoned |
//! | `roomsight_ingest_gap_messages_total` | counter | `topic`, `partition` | offsets skipped because Kafka no longer had them (a gap: retention, compaction, deleted records, transaction markers) |
//! | `roomsight_ingest_flush_seconds` | histogram | | time to flush buffered rows to the lake (encode, write, commit) |
//! | `roomsight_ingest_consumer_lag` | gauge | `topic`, `partition` | messages between the high watermark and the consumer's position |
//! | `roomsight_ingest_committed_offset` | gauge | `topic`, `partition` | the next offset to read per the lake's last commit |
//! | `roomsight_ingest_buffered_bytes` | gauge | | bytes of rows buffered, not yet flushed |
//! | `roomsight_ingest_buffered_rows` | gauge | | rows buffered, not yet flushed |
//!
//! [`Metrics::render`] writes them in the Prometheus text exposition format 0.0.4, in the order
//! of the table above. Series are ordered by label: tables in [`Table`] order, reasons in
//! [`Reason::ALL`] order, partitions by topic then partition number. Labelled counters always
//! show the values they are about, zeros included, so `rate()` sees the first increment: both
//! sources, every reason, the seven telemetry tables for `events` and `duplicates`, and those
//! plus `dead_letters` for `rows_committed`, `files_written` and `bytes_written`; any other
//! table appears once it has been counted. Partition gauges exist from the first `set_*` for
//! the partition until [`Metrics::forget_partition`] (call it when the partition is revoked).
//! `roomsight_ingest_gap_messages_total` shows every partition this process owns or has seen a gap
//! in, zeros included; a revoked partition keeps its count.
//!
//! ```
//! use roomsight_ingest::Reason;
//! use roomsight_ingest::metrics::{Metrics, Source};
//! use roomsight_ingest::schema::Table;
//!
//! let metrics = Metrics::new();
//! metrics.messages(Source::Kafka, 500);
//! metrics.events(Table::Heartbeats, 497);
//! metrics.dead_letter(Reason::OutOfRange, 3);
//! metrics.set_lag("telemetry", 0, 1_204);
//! assert_eq!(metrics.events_total(Table::Heartbeats), 497);
//!
//! let text = metrics.render();
//! assert!(text.contains("roomsight_ingest_dead_letters_total{reason=\"out_of_range\"} 3\n"));
//! assert!(text.contains(
//!     "roomsight_ingest_consumer_lag{topic=\"telemetry\",partition=\"0\"} 1204\n"
//! ));
//! ```

mod exposition;
mod histogram;
mod http;
mod partitions;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::reason::Reason;
use crate::schema::Table;

pub use histogram::{FLUSH_BUCKETS, FlushHistogram};
pub use http::{BindError, bind, serve};

use histogram::Histogram;
use partitions::Partitions;

/// Where messages were read from: the `source` label of `roomsight_ingest_messages_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// Records consumed from Kafka.
    Kafka,
    /// Lines of an NDJSON file backfill.
    File,
}

impl Source {
    /// Every source, in the order they are rendered.
    pub const ALL: [Source; 2] = [Source::Kafka, Source::File];

    /// The label value: `kafka` or `file`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Kafka => "kafka",
            Source::File => "file",
        }
    }

    const fn index(self) -> usize {
        match self {
            Source::Kafka => 0,
            Source::File => 1,
        }
    }
}

/// The number of tables.
const N_TABLES: usize = 9;

/// Every table, in [`Table`] order: the order table-labelled series are rendered in.
const TABLES: [Table; N_TABLES] = Table::ALL;

/// The position of a table in [`TABLES`]; exhaustive, so a new table fails to compile here.
const fn table_index(table: Table) -> usize {
    match table {
        Table::Heartbeats => 0,
        Table::PeripheralStates => 1,
        Table::Meetings => 2,
        Table::Bookings => 3,
        Table::Updates => 4,
        Table::Enrollments => 5,
        Table::Logs => 6,
        Table::DeadLetters => 7,
        Table::Rooms => 8,
    }
}

/// The number of reasons; the position of a reason in [`Reason::ALL`] is its index.
const REASONS: usize = 8;

/// The position of a reason in [`Reason::ALL`]; exhaustive, so a new reason fails to compile.
const fn reason_index(reason: Reason) -> usize {
    match reason {
        Reason::TooLarge => 0,
        Reason::Malformed => 1,
        Reason::UnknownSchema => 2,
        Reason::UnknownType => 3,
        Reason::MissingField => 4,
        Reason::WrongType => 5,
        Reason::OutOfRange => 6,
        Reason::FutureTs => 7,
    }
}

/// A family of `N` counters told apart by one label.
#[derive(Debug)]
struct Counters<const N: usize>([AtomicU64; N]);

impl<const N: usize> Counters<N> {
    const fn new() -> Self {
        Counters([const { AtomicU64::new(0) }; N])
    }

    fn add(&self, i: usize, n: u64) {
        self.0[i].fetch_add(n, Ordering::Relaxed);
    }

    fn get(&self, i: usize) -> u64 {
        self.0[i].load(Ordering::Relaxed)
    }
}

/// The ingest's metrics. Share it as `Arc<Metrics>`; every method takes `&self`.
///
/// Update methods add a count (per batch or flush) or set a gauge; the `*_total` getters and
/// friends read the current values back, for tests and for the ingest's own end-of-run summary.
#[derive(Debug)]
pub struct Metrics {
    messages: Counters<2>,
    events: Counters<N_TABLES>,
    duplicates: Counters<N_TABLES>,
    rows_committed: Counters<N_TABLES>,
    dead_letters: Counters<REASONS>,
    redactions: AtomicU64,
    files_written: Counters<N_TABLES>,
    bytes_written: Counters<N_TABLES>,
    commits: AtomicU64,
    commit_conflicts: AtomicU64,
    /// Offsets skipped over in gaps, by topic and partition.
    gaps: Mutex<BTreeMap<(String, i32), u64>>,
    flush: Histogram,
    partitions: Partitions,
    buffered_bytes: AtomicU64,
    buffered_rows: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every counter at zero, no partitions and nothing buffered.
    pub fn new() -> Self {
        Metrics {
            messages: Counters::new(),
            events: Counters::new(),
            duplicates: Counters::new(),
            rows_committed: Counters::new(),
            dead_letters: Counters::new(),
            redactions: AtomicU64::new(0),
            files_written: Counters::new(),
            bytes_written: Counters::new(),
            commits: AtomicU64::new(0),
            commit_conflicts: AtomicU64::new(0),
            gaps: Mutex::new(BTreeMap::new()),
            flush: Histogram::new(),
            partitions: Partitions::default(),
            buffered_bytes: AtomicU64::new(0),
            buffered_rows: AtomicU64::new(0),
        }
    }

    /// Counts `n` messages read from `source`.
    pub fn messages(&self, source: Source, n: u64) {
        self.messages.add(source.index(), n);
    }

    /// Counts `n` valid events accepted for `table`.
    pub fn events(&self, table: Table, n: u64) {
        self.events.add(table_index(table), n);
    }

    /// Counts `n` resent events of `table` dropped because their `event_id` was already seen.
    pub fn duplicates(&self, table: Table, n: u64) {
        self.duplicates.add(table_index(table), n);
    }

    /// Counts `n` rows of `table` committed to the lake.
    pub fn rows_committed(&self, table: Table, n: u64) {
        self.rows_committed.add(table_index(table), n);
    }

    /// Counts `n` messages rejected for `reason`.
    pub fn dead_letter(&self, reason: Reason, n: u64) {
        self.dead_letters.add(reason_index(reason), n);
    }

    /// Counts `n` redactions of personal data from `log` messages.
    pub fn redactions(&self, n: u64) {
        self.redactions.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts `files` Parquet files of `table` written, holding `bytes` bytes in all.
    pub fn files_written(&self, table: Table, files: u64, bytes: u64) {
        let i = table_index(table);
        self.files_written.add(i, files);
        self.bytes_written.add(i, bytes);
    }

    /// Counts one lake commit that succeeded.
    pub fn commit(&self) {
        self.commits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one lake commit that conflicted with another writer's.
    pub fn commit_conflict(&self) {
        self.commit_conflicts.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `n` offsets of a partition skipped over in a gap: Kafka served a later offset than
    /// the one the lake continues at.
    pub fn gap(&self, topic: &str, partition: i32, n: u64) {
        let mut gaps = self.gaps.lock().unwrap_or_else(PoisonError::into_inner);
        *gaps.entry((topic.to_owned(), partition)).or_insert(0) += n;
    }

    /// Offsets of a partition skipped over in gaps so far.
    pub fn gap_messages_total(&self, topic: &str, partition: i32) -> u64 {
        let gaps = self.gaps.lock().unwrap_or_else(PoisonError::into_inner);
        gaps.get(&(topic.to_owned(), partition))
            .copied()
            .unwrap_or(0)
    }

    /// The gap counts to render: every partition with a gap or owned now, zeros included.
    fn gap_series(&self) -> Vec<(String, i32, u64)> {
        let mut series = self
            .gaps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (topic, partition, gauges) in self.partitions.snapshot() {
            if gauges.assigned {
                series.entry((topic, partition)).or_insert(0);
            }
        }
        series
            .into_iter()
            .map(|((topic, partition), n)| (topic, partition, n))
            .collect()
    }

    /// Records how long a flush took, in seconds. A value that is negative or not a number is
    /// ignored: it can only come from a clock that went backwards.
    pub fn flush_seconds(&self, seconds: f64) {
        self.flush.observe(seconds);
    }

    /// Records how long a flush took.
    pub fn flush_duration(&self, elapsed: Duration) {
        self.flush.observe(elapsed.as_secs_f64());
    }

    /// Marks a partition as owned by this process in the consumer group (until it is forgotten).
    pub fn assign_partition(&self, topic: &str, partition: i32) {
        self.partitions
            .update(topic, partition, |g| g.assigned = true);
    }

    /// The partitions of `topic` this process owns, ascending.
    pub fn assigned_partitions(&self, topic: &str) -> Vec<i32> {
        self.partitions
            .snapshot()
            .into_iter()
            .filter(|(t, _, g)| t == topic && g.assigned)
            .map(|(_, p, _)| p)
            .collect()
    }

    /// Sets the consumer lag of a partition: high watermark minus the consumer's position.
    pub fn set_lag(&self, topic: &str, partition: i32, lag: i64) {
        self.partitions
            .update(topic, partition, |g| g.lag = Some(lag));
    }

    /// Sets the offset the lake's last commit says to read next for a partition.
    pub fn set_committed_offset(&self, topic: &str, partition: i32, offset: i64) {
        self.partitions
            .update(topic, partition, |g| g.committed_offset = Some(offset));
    }

    /// Removes a partition's ownership, lag and committed-offset series, as when it is revoked,
    /// so a partition now consumed elsewhere does not show a stale lag here.
    pub fn forget_partition(&self, topic: &str, partition: i32) {
        self.partitions.remove(topic, partition);
    }

    /// Sets the bytes and rows buffered and not yet flushed.
    pub fn set_buffered(&self, bytes: u64, rows: u64) {
        self.buffered_bytes.store(bytes, Ordering::Relaxed);
        self.buffered_rows.store(rows, Ordering::Relaxed);
    }

    /// Messages read from `source` so far.
    pub fn messages_total(&self, source: Source) -> u64 {
        self.messages.get(source.index())
    }

    /// Valid events accepted for `table` so far.
    pub fn events_total(&self, table: Table) -> u64 {
        self.events.get(table_index(table))
    }

    /// Duplicates of `table` dropped so far.
    pub fn duplicates_total(&self, table: Table) -> u64 {
        self.duplicates.get(table_index(table))
    }

    /// Rows of `table` committed so far.
    pub fn rows_committed_total(&self, table: Table) -> u64 {
        self.rows_committed.get(table_index(table))
    }

    /// Messages rejected for `reason` so far.
    pub fn dead_letters_total(&self, reason: Reason) -> u64 {
        self.dead_letters.get(reason_index(reason))
    }

    /// Redactions so far.
    pub fn redactions_total(&self) -> u64 {
        self.redactions.load(Ordering::Relaxed)
    }

    /// Parquet files of `table` written so far.
    pub fn files_written_total(&self, table: Table) -> u64 {
        self.files_written.get(table_index(table))
    }

    /// Bytes of Parquet files of `table` written so far.
    pub fn bytes_written_total(&self, table: Table) -> u64 {
        self.bytes_written.get(table_index(table))
    }

    /// Lake commits that succeeded so far.
    pub fn commits_total(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Lake commits that conflicted so far.
    pub fn commit_conflicts_total(&self) -> u64 {
        self.commit_conflicts.load(Ordering::Relaxed)
    }

    /// The flush-latency histogram as it stands.
    pub fn flush_histogram(&self) -> FlushHistogram {
        self.flush.snapshot()
    }

    /// The last lag set for a partition, unless it was never set or has been forgotten.
    pub fn lag(&self, topic: &str, partition: i32) -> Option<i64> {
        self.partitions.get(topic, partition).and_then(|g| g.lag)
    }

    /// The last committed offset set for a partition, unless never set or forgotten.
    pub fn committed_offset(&self, topic: &str, partition: i32) -> Option<i64> {
        self.partitions
            .get(topic, partition)
            .and_then(|g| g.committed_offset)
    }

    /// Bytes buffered, as last set.
    pub fn buffered_bytes(&self) -> u64 {
        self.buffered_bytes.load(Ordering::Relaxed)
    }

    /// Rows buffered, as last set.
    pub fn buffered_rows(&self) -> u64 {
        self.buffered_rows.load(Ordering::Relaxed)
    }
}
