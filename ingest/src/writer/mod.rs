//! The lake writer: validated, scrubbed, deduplicated micro-batches, committed with the
//! offsets they hold.
//!
//! # The protocol (why nothing is lost and nothing lands twice)
//!
//! 1. **Start where the lake says.** A partition's position comes from the lake's commit log
//!    ([`LakeWriter::resume_offsets`]), never from Kafka's group offsets. A partition the lake
//!    has never seen starts at its beginning.
//! 2. **Buffer, then commit files and offsets together.** Messages are validated, scrubbed and
//!    appended to per-table Arrow builders ([`LakeWriter::accept`]); the writer remembers, per
//!    source partition, the range `[from, to)` of offsets it consumed since its last commit.
//!    A flush ([`LakeWriter::flush`]) encodes the rows as Parquet files under
//!    `_roomsight/staging/`, then writes **one** commit listing those files *and* the offset
//!    ranges. The commit is a put-if-absent of the next log version, so it is atomic: either
//!    the files and the new offsets are both in the lake, or neither.
//! 3. **A commit must continue the lake.** A commit is accepted only if every range's `from`
//!    equals the lake's current next offset for that partition. A writer that lost a partition
//!    (a rebalance, a pause longer than the session timeout, a zombie after a crash) and tries
//!    to land it after the new owner did is refused ([`WriterError::Fenced`]); it throws its
//!    buffer away and continues from the lake's offsets, so the rows land exactly once.
//! 4. **Kafka's group offsets follow the lake**, only after a commit, so lag tools see progress.
//!    A crash anywhere — before staging, between staging and commit (orphaned staged files,
//!    removed by `vacuum`), between commit and publishing (finished by [`Lake::recover`] on the
//!    next start), before the group commit (ignored; the lake is the truth) — restarts at the
//!    lake's offsets with nothing lost and nothing twice.
//! 5. **Resends count once.** Producers resend (same `event_id`) after timeouts. The writer keeps
//!    the hashes of recently landed ids ([`seen`]), seeded on start from the newest files of the
//!    lake and, on every assignment and after every refused commit, from the commits other
//!    writers made since (a partition taken over brings resends of what its old owner landed),
//!    and drops a resend as a duplicate. When a buffer is discarded its ids are forgotten
//!    again, so a re-read after a fence is not mistaken for a resend.
//!
//! 6. **Gaps are recorded.** A Kafka message beyond the offset a partition continues at means
//!    Kafka no longer has the offsets in between (retention, compaction, deleted records,
//!    transaction markers). The writer counts the gap (`roomsight_ingest_gap_messages_total`),
//!    logs it and lists its range in the commit that reads past it, so the lake says which
//!    offsets of its ranges it does not hold ([`LakeWriter::next_offset`] lets the consume loop
//!    check a gap, or stop on one, before the message reaches the writer).
//!
//! NDJSON backfills use the same path with the source `file:<path>` and line numbers as
//! offsets, so re-running a backfill after a crash continues where the lake stopped.
//!
//! Rejected messages become rows of `dead_letters` (reason, field, detail, scrubbed raw bytes,
//! origin, receive time) in the same commit as the valid rows around them.

mod background;
mod flush;
pub mod seen;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Handle;

use crate::lake::encode::EncodeOptions;
use crate::lake::log::{LakeState, LogError, SourceRange};
use crate::lake::rows::{DeadLetter, DeadLetterRows, Origin, TableRows};
use crate::lake::store::{Lake, LakeError};
use crate::metrics::{Metrics, Source};
use crate::reason::Reason;
use crate::schema::Table;
use crate::scrub::{scrub, scrub_json_text};
use crate::timestamp::Timestamp;
use crate::validate::validate;
use crate::{Body, Event};

pub use flush::Flushed;
use seen::{SeenIds, id_hash};

/// How the writer batches.
#[derive(Clone, Debug)]
pub struct WriterConfig {
    /// Flush when the buffered rows hold about this many bytes.
    pub flush_bytes: usize,
    /// Flush when the oldest buffered row is this old.
    pub flush_age: Duration,
    /// Parquet settings.
    pub encode: EncodeOptions,
    /// How many recent event ids are remembered to drop resends.
    pub seen_capacity: usize,
    /// This process's id in the commit log and in file names.
    pub writer_id: String,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            flush_bytes: 64 << 20,
            flush_age: Duration::from_secs(30),
            encode: EncodeOptions::default(),
            seen_capacity: 2_000_000,
            writer_id: writer_id(),
        }
    }
}

/// A writer id unique to this process: host, process id and start time.
pub fn writer_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{host}-{}-{:x}", std::process::id(), nanos & 0xffff_ffff)
}

/// Failures of the writer.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    /// Another writer committed offsets of a partition this one had buffered.
    #[error(
        "{stream} partition {partition} moved on in the lake (to offset {lake}) while this \
         writer buffered from {expected}: another process owns it now; the buffer was discarded \
         and reading continues from the lake"
    )]
    Fenced {
        /// The source (`kafka:<topic>`, `file:<path>`).
        stream: String,
        /// The partition.
        partition: i32,
        /// Where this writer's range began.
        expected: i64,
        /// Where the lake is.
        lake: i64,
    },
    /// The lake could not be read or written.
    #[error(transparent)]
    Lake(#[from] LakeError),
    /// Encoding a file failed (a bug: the rows do not fit their schema).
    #[error("could not encode the `{table}` rows as Parquet: {detail}")]
    Encode {
        /// The table.
        table: &'static str,
        /// What went wrong.
        detail: String,
    },
}

impl From<LogError> for WriterError {
    fn from(e: LogError) -> Self {
        match e {
            LogError::Fenced {
                stream,
                partition,
                expected,
                lake,
            } => WriterError::Fenced {
                stream,
                partition,
                expected,
                lake,
            },
            other => WriterError::Lake(LakeError::Log(other)),
        }
    }
}

/// A message handed to the writer.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// `kafka:<topic>` or `file:<path>`: the key of its offsets in the lake.
    pub source: &'a str,
    /// Its partition (0 for files).
    pub partition: i32,
    /// Its offset (for files: the 0-based line index).
    pub offset: i64,
    /// Its coordinates for lineage and dead letters.
    pub origin: Origin<'a>,
}

/// What became of one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepted {
    /// A valid event, buffered for this table.
    Row(Table),
    /// A resend of an event already landed or buffered.
    Duplicate(Table),
    /// Rejected: buffered as a dead letter.
    DeadLetter(Reason),
    /// At or before an offset already consumed (a replay after a seek): ignored.
    Replayed,
}

/// The offsets consumed from one partition since the last commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    from: i64,
    to: i64,
}

/// Writes micro-batches to the lake.
pub struct LakeWriter {
    lake: Lake,
    runtime: Handle,
    config: WriterConfig,
    metrics: Arc<Metrics>,
    state: LakeState,
    tables: Vec<TableRows>,
    dead: DeadLetterRows,
    ranges: BTreeMap<(String, i32), Range>,
    /// Gaps inside `ranges`, for the next commit.
    gaps: Vec<SourceRange>,
    /// Per partition, the start of the last gap counted in the metrics.
    counted_gaps: BTreeMap<(String, i32), i64>,
    seen: SeenIds,
    pending_ids: Vec<u64>,
    /// Every commit up to this version has its ids in `seen` (or was looked at).
    seeded_version: u64,
    /// Our own commits after `seeded_version`: their ids are in `seen` already, but commits of
    /// other writers between them are not, so `seeded_version` cannot jump over them.
    own_versions: BTreeSet<u64>,
    buffered_since: Option<Instant>,
    files_written: u64,
    in_flight: Option<background::InFlight>,
}

impl LakeWriter {
    /// Opens the lake for writing: finishes publishing what a crashed writer committed, reads
    /// the log, and remembers the event ids of the newest files.
    pub fn open(
        lake: Lake,
        runtime: Handle,
        config: WriterConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Self, WriterError> {
        runtime.block_on(lake.recover(64))?;
        let mut writer = LakeWriter {
            seen: SeenIds::new(config.seen_capacity),
            lake,
            runtime,
            config,
            metrics,
            state: LakeState::default(),
            tables: Table::TELEMETRY
                .iter()
                .map(|&t| TableRows::new(t))
                .collect(),
            dead: DeadLetterRows::new(),
            ranges: BTreeMap::new(),
            gaps: Vec::new(),
            counted_gaps: BTreeMap::new(),
            pending_ids: Vec::new(),
            seeded_version: 0,
            own_versions: BTreeSet::new(),
            buffered_since: None,
            files_written: 0,
            in_flight: None,
        };
        writer.refresh()?;
        Ok(writer)
    }

    /// Reads commits made since the last look (by other writers too) and remembers the event
    /// ids of the files they added, so resends of those count once here as well.
    pub fn refresh(&mut self) -> Result<(), WriterError> {
        if let Err(e) = self.land() {
            // Already discarded and logged; the refreshed state is where reading continues.
            tracing::debug!(error = %e, "the background flush failed before a refresh");
        }
        let lake = self.lake.clone();
        let store = Arc::clone(lake.store());
        self.runtime
            .block_on(crate::lake::log::refresh(&store, &mut self.state))
            .map_err(WriterError::from)?;
        let ids = self.runtime.block_on(flush::recent_ids(
            &lake,
            &self.state,
            self.seeded_version,
            &self.own_versions,
            self.seen.capacity(),
        ))?;
        for id in ids {
            self.seen.insert(id);
        }
        self.seeded_version = self.state.version;
        self.own_versions.clear();
        Ok(())
    }

    /// After a failed commit whose buffer was discarded: when it was refused (fenced), counts
    /// the conflict and reads the commits that moved the lake on. Reading continues right after
    /// them, where a resend of what they landed may come next.
    fn after_failed_commit(&mut self, error: &WriterError) {
        if !matches!(error, WriterError::Fenced { .. }) {
            return;
        }
        self.metrics.commit_conflict();
        if let Err(e) = self.refresh() {
            tracing::warn!(error = %e, "could not read the commits that fenced this writer; a resend of what they landed may land again until compaction");
        }
    }

    /// Notes our own commit at `version`. A refresh reads the other writers' commits before it,
    /// which matter once their partitions move here: a resend of what they landed is then ours
    /// to drop.
    fn note_own_commit(&mut self, version: u64) {
        if version > self.seeded_version {
            self.own_versions.insert(version);
        }
        while self.own_versions.remove(&(self.seeded_version + 1)) {
            self.seeded_version += 1;
        }
    }

    /// The lake's next offset of each partition of `source` it knows, after a refresh.
    pub fn resume_offsets(&mut self, source: &str) -> Result<BTreeMap<i32, i64>, WriterError> {
        self.refresh()?;
        Ok(self.state.source_offsets(source))
    }

    /// The lake state as of the last refresh or commit.
    pub fn state(&self) -> &LakeState {
        &self.state
    }

    /// The metrics it reports to.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Validates, scrubs and buffers one message received at `now`.
    pub fn accept(&mut self, message: &Message<'_>, payload: &[u8], now: Timestamp) -> Accepted {
        if !self.advance(message) {
            return Accepted::Replayed;
        }
        self.count_message(message);
        match validate(payload, now) {
            Ok(event) => self.push_event(event, &message.origin, now),
            Err(rejection) => {
                let field = rejection.field.as_deref();
                self.push_dead_letter(
                    rejection.reason,
                    field,
                    &rejection.detail,
                    payload,
                    payload.len(),
                    message.origin,
                    now,
                );
                Accepted::DeadLetter(rejection.reason)
            }
        }
    }

    /// Buffers a dead letter for a message too large to read whole: `prefix` is what was kept.
    pub fn accept_oversized(
        &mut self,
        message: &Message<'_>,
        len: u64,
        prefix: &[u8],
        now: Timestamp,
    ) -> Accepted {
        if !self.advance(message) {
            return Accepted::Replayed;
        }
        self.count_message(message);
        let detail = format!(
            "the message is {len} bytes, over the limit of {}",
            crate::event::MAX_MESSAGE_BYTES
        );
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        self.push_dead_letter(
            Reason::TooLarge,
            None,
            &detail,
            prefix,
            len,
            message.origin,
            now,
        );
        Accepted::DeadLetter(Reason::TooLarge)
    }

    /// Where the lake will be once the flush in flight (if any) lands.
    fn lake_next(&self, key: &(String, i32)) -> Option<i64> {
        self.in_flight
            .as_ref()
            .and_then(|f| f.ranges.get(key))
            .map(|r| r.to)
            .or_else(|| self.state.offsets.get(key).copied())
    }

    /// The offset a partition of `source` continues at: after what this writer buffered, else
    /// after the flush in flight, else the lake's next offset. `None` for a partition the lake
    /// has never seen and nothing was read from yet (it starts wherever Kafka's log begins).
    ///
    /// A message beyond it means a gap: Kafka no longer had the offsets in between.
    pub fn next_offset(&self, source: &str, partition: i32) -> Option<i64> {
        let key = (source.to_string(), partition);
        self.ranges
            .get(&key)
            .map(|r| r.to)
            .or_else(|| self.lake_next(&key))
    }

    /// Extends the partition's consumed range; `false` for an offset already consumed. A Kafka
    /// message beyond the expected offset is a gap, recorded with the next commit.
    fn advance(&mut self, message: &Message<'_>) -> bool {
        let key = (message.source.to_string(), message.partition);
        let lake = self.lake_next(&key);
        if lake.is_some_and(|next| message.offset < next) {
            return false;
        }
        let expected = match self.ranges.get(&key) {
            Some(range) if message.offset < range.to => return false,
            Some(range) => Some(range.to),
            None => lake,
        };
        if let (Some(from), Origin::Kafka { topic, .. }) = (expected, message.origin)
            && message.offset > from
        {
            self.record_gap(
                message.source,
                topic,
                message.partition,
                from,
                message.offset,
            );
        }
        match self.ranges.get_mut(&key) {
            Some(range) => range.to = message.offset + 1,
            None => {
                let from = lake.unwrap_or(message.offset);
                self.ranges.insert(
                    key,
                    Range {
                        from,
                        to: message.offset + 1,
                    },
                );
                self.buffered_since.get_or_insert_with(Instant::now);
            }
        }
        true
    }

    /// Notes a gap `[from, to)` of a partition: logged, counted in the metrics (once, even if
    /// the range is read again after a failed commit) and listed in the next commit.
    fn record_gap(&mut self, source: &str, topic: &str, partition: i32, from: i64, to: i64) {
        tracing::warn!(
            source,
            partition,
            from,
            to,
            "the partition continues after a gap: offsets [from, to) were no longer in Kafka \
             (retention, compaction, deleted records or transaction markers) and are not in the \
             lake; the gap is recorded with the next commit (`lake status` shows it)"
        );
        let key = (source.to_string(), partition);
        if self.counted_gaps.get(&key) != Some(&from) {
            self.metrics
                .gap(topic, partition, u64::try_from(to - from).unwrap_or(0));
            self.counted_gaps.insert(key, from);
        }
        self.gaps.push(SourceRange {
            source: source.to_string(),
            partition,
            from,
            to,
        });
    }

    fn count_message(&self, message: &Message<'_>) {
        let source = match message.origin {
            Origin::Kafka { .. } => Source::Kafka,
            Origin::File { .. } => Source::File,
        };
        self.metrics.messages(source, 1);
    }

    fn push_event(
        &mut self,
        mut event: Event<'_>,
        origin: &Origin<'_>,
        now: Timestamp,
    ) -> Accepted {
        let table = Table::for_event(event.event_type());
        let hash = id_hash(&event.event_id);
        if !self.seen.insert(hash) {
            self.metrics.duplicates(table, 1);
            return Accepted::Duplicate(table);
        }
        self.pending_ids.push(hash);
        let mut redactions = 0;
        if let Body::Log(log) = &mut event.body {
            let (clean, n) = scrub(&log.message);
            if n > 0 {
                log.message = clean.into_owned().into();
                redactions = n;
                self.metrics.redactions(u64::from(n));
            }
        }
        let index = table_index(table);
        self.tables[index].push(&event, redactions, origin, now);
        self.metrics.events(table, 1);
        Accepted::Row(table)
    }

    #[allow(clippy::too_many_arguments)]
    fn push_dead_letter(
        &mut self,
        reason: Reason,
        field: Option<&str>,
        detail: &str,
        raw: &[u8],
        raw_len: usize,
        origin: Origin<'_>,
        now: Timestamp,
    ) {
        // Personal data must not reach the lake through a rejected message either.
        let raw = scrub_raw(raw);
        let raw: &[u8] = &raw;
        let (detail, _) = scrub_json_text(detail);
        self.dead.push(&DeadLetter {
            reason,
            field,
            detail: &detail,
            raw,
            raw_bytes: i64::try_from(raw_len).unwrap_or(i64::MAX),
            origin,
            received_at: now,
        });
        self.metrics.dead_letter(reason, 1);
    }

    /// Bytes buffered (an estimate of the Arrow builders' heap).
    pub fn buffered_bytes(&self) -> usize {
        self.tables
            .iter()
            .map(TableRows::approx_bytes)
            .sum::<usize>()
            + self.dead.approx_bytes()
    }

    /// Rows buffered, valid and dead letters.
    pub fn buffered_rows(&self) -> usize {
        self.tables.iter().map(TableRows::len).sum::<usize>() + self.dead.len()
    }

    /// Whether anything (rows or consumed offsets, or a flush in flight) waits for a commit.
    pub fn has_pending(&self) -> bool {
        !self.ranges.is_empty() || self.in_flight.is_some()
    }

    /// Whether the buffer is full or old enough to flush.
    pub fn flush_due(&self) -> bool {
        self.buffered_bytes() >= self.config.flush_bytes
            || self
                .buffered_since
                .is_some_and(|t| t.elapsed() >= self.config.flush_age)
    }

    /// Publishes the buffered-memory gauges.
    pub fn report_buffered(&self) {
        self.metrics
            .set_buffered(self.buffered_bytes() as u64, self.buffered_rows() as u64);
    }

    /// Writes everything buffered as files and commits them with the consumed offsets. `None`
    /// when nothing was pending. On an error the buffer is discarded (its ids forgotten) and
    /// the caller continues from the lake's offsets.
    ///
    /// A background flush still in flight ([`LakeWriter::flush_in_background`]) lands first;
    /// the result then covers both commits.
    pub fn flush(&mut self) -> Result<Option<Flushed>, WriterError> {
        let landed = self.land()?;
        if self.ranges.is_empty() {
            return Ok(landed);
        }
        let started = Instant::now();
        let result = self.write_and_commit();
        match &result {
            Ok(flushed) => {
                self.record_commit(flushed, started);
                self.pending_ids.clear();
            }
            Err(e) => {
                tracing::warn!(error = %e, "flush failed; discarding the buffer");
                self.discard();
                self.after_failed_commit(e);
            }
        }
        self.ranges.clear();
        self.gaps.clear();
        self.buffered_since = None;
        self.report_buffered();
        result.map(|flushed| {
            Some(match landed {
                Some(earlier) => earlier.then(flushed),
                None => flushed,
            })
        })
    }

    fn record_commit(&self, flushed: &Flushed, started: Instant) {
        self.metrics.commit();
        self.metrics.flush_duration(started.elapsed());
        for file in &flushed.files {
            if let Some(table) = Table::partitioned(&file.table) {
                self.metrics.files_written(table, 1, file.bytes);
                self.metrics.rows_committed(table, file.rows);
            }
        }
    }

    /// Drops everything buffered; its event ids count as unseen again. A background flush in
    /// flight lands first (what it commits stays committed).
    pub fn discard(&mut self) {
        if let Err(e) = self.land() {
            tracing::debug!(error = %e, "the background flush failed before a discard");
        }
        for rows in &mut self.tables {
            let _ = rows.finish();
        }
        let _ = self.dead.finish();
        self.seen.forget(&self.pending_ids);
        self.pending_ids.clear();
        self.ranges.clear();
        self.gaps.clear();
        self.buffered_since = None;
        self.report_buffered();
    }
}

/// A rejected message's bytes with e-mail addresses and UPNs redacted, also those written with
/// JSON escapes (`jane\u0040contoso.com`); the bytes unchanged when there are none, even if they
/// are not UTF-8.
pub fn scrub_raw(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let text = String::from_utf8_lossy(raw);
    let (clean, redactions) = scrub_json_text(&text);
    if redactions > 0 {
        std::borrow::Cow::Owned(clean.into_owned().into_bytes())
    } else {
        std::borrow::Cow::Borrowed(raw)
    }
}

fn table_index(table: Table) -> usize {
    Table::TELEMETRY
        .iter()
        .position(|&t| t == table)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
