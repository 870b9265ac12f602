//! Compaction: the small files of each date partition merged into a few large ones, sorted and
//! with one row per `event_id`, swapped in by one commit per partition.
//!
//! Ingest flushes often (seconds to minutes), so a busy day of a table ends up in hundreds of
//! small files, and producers' resends may have landed twice in files of different flushes.
//! [`compact`] rewrites each such partition:
//!
//! 1. [`Lake::recover`] first finishes publishing what crashed writers committed, then
//!    [`plan`] reads the commit log (not the directories) and picks, per live partition
//!    `(table, date)` of the telemetry tables and `dead_letters` (optionally one table and/or one
//!    date): every partition with two or more files of which at least one was not written by
//!    compaction; a partition whose compacted files would fit in fewer files (they were written
//!    with smaller targets); and a partition made of a single ingest file that holds duplicate
//!    `event_id`s (only its `event_id` column is read to find out). A partition made only of
//!    compaction output that cannot shrink is left alone, so a second run does nothing.
//! 2. [`execute`] handles one partition at a time: it reads the live files, concatenates them,
//!    keeps one row per `event_id` ([`dedup`](super::encode::dedup): the earliest ingested),
//!    sorts them in the table's row order, and cuts the result into files of about
//!    [`CompactOptions::target_file_bytes`] (estimated from the inputs' bytes per row) and at most
//!    [`CompactOptions::target_file_rows`] rows, balanced so there is no small tail file; row
//!    groups hold at most [`EncodeOptions::max_row_group_rows`]. The files are staged and one
//!    commit `{operation: "compact", add: new files, remove: old paths, sources: []}` swaps them.
//! 3. [`vacuum`](super::vacuum::vacuum) deletes retired and orphaned files older than the grace
//!    period.
//!
//! # Memory
//! Memory is bounded by one partition: its files' bytes, their decoded Arrow rows, and while
//! deduplicating and sorting up to three copies of those rows, plus one output file. Arrow rows
//! typically take 3–10× the zstd Parquet bytes. When a partition's live files add up to more than
//! [`CompactOptions::max_input_bytes`], it is compacted in groups of files (in path order), each
//! within the budget, one commit per group. Duplicates are then removed within each group only,
//! not across groups, and a partition can need more than one run to settle.
//!
//! # Running while ingest writes
//! Ingest commits only add files and advance offsets; compaction commits only remove and add
//! files. The log's compare-and-swap loop ([`append`](super::log::append)) re-checks a commit
//! against every commit that landed after it was planned, so an ingest commit that adds a file
//! to the partition being compacted (even one that lands between compaction's read and its
//! commit) is kept: the new file is not in the compaction's `remove` list and stays live beside
//! the compacted files, for the next run to merge. If another compaction removed one of the
//! inputs first, the commit is refused with [`LogError::Gone`]; that partition is skipped with a
//! warning, counted in [`CompactSummary::lost`], and its staged files are deleted (or left to
//! [`vacuum`](super::vacuum::vacuum) if that fails).
//!
//! # What readers see
//! A reader that goes through the commit log (roomsight's own SQL catalog) sees the swap
//! atomically: before the commit the old files, after it the new ones, never both; a scan
//! planned on the old snapshot still finds the old files in the trash, kept for the grace period.
//!
//! A reader that lists the Hive folders (DuckDB, pyarrow, Spark over `telemetry/<table>/`) sees
//! the moves that publish the commit, which are not atomic together. [`Lake::publish`] moves the
//! old files to `_roomsight/trash/` *first* and only then moves the new files from staging into
//! the partition. A listing taken during those few renames therefore sees a partition that is
//! missing some or all of its rows for a moment, but never the same rows twice: an undercount
//! that a re-run of the query fixes, rather than an overcount nobody notices. (The other order
//! would show old and new files together, doubling the partition's counts.) A listing taken
//! before the moves and read after them fails on the missing old files instead of reading
//! wrong data. If the process dies between the two kinds of moves, the partition stays short in
//! listings until the next writer opens the lake and [`Lake::recover`] finishes the moves.
//! Directory-listing readers also see any duplicate `event_id`s not yet compacted away; the
//! commit log is the only exact view.
//!
//! ```
//! use roomsight_ingest::lake::compact::{compact, CompactOptions};
//! use roomsight_ingest::lake::store::Lake;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
//! let runtime = tokio::runtime::Runtime::new().unwrap();
//! let summary = runtime
//!     .block_on(compact(&lake, &CompactOptions::default(), &mut |_| {}))
//!     .unwrap();
//! assert_eq!(summary.commits, 0, "an empty lake has nothing to compact");
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use arrow_select::concat::concat_batches;
use bytes::Bytes;
use chrono::NaiveDate;
use object_store::ObjectStoreExt;
use parquet::errors::ParquetError;
use serde::Serialize;

use super::encode::{self, EncodeOptions};
use super::history::COMPACT_OPERATION;
use super::log::{Commit, FileEntry, LakeState, LogError};
use super::status::format_bytes;
use super::store::{Lake, LakeError};
use super::vacuum::{self, VacuumSummary};
use crate::schema::Table;
use crate::timestamp::Timestamp;

mod select;

pub use select::{CompactPlan, FileGroup, plan};
use select::{balanced_rows, rows_per_file};

/// How many of the newest commits [`compact`] checks for unfinished publishing first.
pub const RECOVER_DEPTH: u64 = 100;

/// The tables compaction rewrites: the telemetry tables and `dead_letters`. (`rooms` loads
/// replace each other whole and are not merged.)
pub const COMPACTABLE: [Table; 8] = Table::PARTITIONED;

/// The compactable table with this SQL name, if any.
pub fn compactable_table(name: &str) -> Option<Table> {
    Table::partitioned(name)
}

/// What to compact and how large to make the files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompactOptions {
    /// Only this table (default: every compactable table).
    pub table: Option<Table>,
    /// Only this partition date (default: every date).
    pub date: Option<NaiveDate>,
    /// The size each output file aims at, estimated from the inputs' bytes per row.
    pub target_file_bytes: u64,
    /// The most rows in one output file.
    pub target_file_rows: u64,
    /// The most Parquet bytes read for one commit; larger partitions are compacted in groups.
    pub max_input_bytes: u64,
    /// Parquet settings of the output (row groups ≤ `max_row_group_rows`).
    pub encode: EncodeOptions,
    /// How long retired and orphaned files are kept before [`vacuum`](super::vacuum::vacuum)
    /// deletes them; longer than any query and any writer's stage-to-commit time.
    pub vacuum_grace: Duration,
    /// The writer id recorded in the commits.
    pub writer: String,
}

impl Default for CompactOptions {
    fn default() -> Self {
        CompactOptions {
            table: None,
            date: None,
            target_file_bytes: 256 << 20,
            target_file_rows: 20_000_000,
            max_input_bytes: 512 << 20,
            encode: EncodeOptions::default(),
            vacuum_grace: Duration::from_secs(3600),
            writer: format!("compact-{}", process_token()),
        }
    }
}

impl CompactOptions {
    fn check(&self) -> Result<(), CompactError> {
        let reason = if self.target_file_bytes == 0 {
            "the target file size must be at least 1 byte"
        } else if self.target_file_rows == 0 {
            "the target rows per file must be at least 1"
        } else if self.max_input_bytes == 0 {
            "the input byte budget must be at least 1 byte"
        } else if self.encode.max_row_group_rows == 0 {
            "row groups must hold at least 1 row"
        } else {
            return Ok(());
        };
        Err(CompactError::Options {
            reason: reason.to_owned(),
        })
    }
}

/// Failures of compaction and vacuum. Nothing is changed in the lake unless the error says so.
#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    /// The settings cannot work (the caller's fault).
    #[error("invalid compaction settings: {reason}; fix the setting and run again")]
    Options {
        /// What is wrong.
        reason: String,
    },
    /// The lake's storage or commit log failed.
    #[error(transparent)]
    Lake(#[from] LakeError),
    /// A live file is not readable Parquet (the lake's fault).
    #[error(
        "{path} is not a readable Parquet file of `{table}`: the lake is damaged; restore the file \
         from a backup, then run compaction again"
    )]
    Decode {
        /// The file.
        path: String,
        /// Its table.
        table: &'static str,
        /// The reader's error.
        source: ParquetError,
    },
    /// The files of a partition could not be merged.
    #[error(
        "could not merge the files of {table} date={date}; the lake was not changed: their columns \
         differ from this build's schema (written by another roomsight version?) or this is a bug"
    )]
    Merge {
        /// The table.
        table: &'static str,
        /// The partition date.
        date: String,
        /// Arrow's error.
        source: ArrowError,
    },
    /// The merged rows could not be encoded (a bug).
    #[error(
        "internal error (a bug): could not encode the compacted files of {table} date={date}; \
         the lake was not changed"
    )]
    Encode {
        /// The table.
        table: &'static str,
        /// The partition date.
        date: String,
        /// The writer's error.
        source: ParquetError,
    },
    /// A worker thread panicked or was cancelled (a bug, or the runtime is shutting down).
    #[error(
        "internal error: a compaction worker thread failed; the current partition was not changed"
    )]
    Worker {
        /// The join error.
        source: tokio::task::JoinError,
    },
    /// Listing a folder of the lake failed (the environment's fault).
    #[error(
        "could not list {prefix} in the lake's storage; check that it is reachable and readable"
    )]
    List {
        /// The folder.
        prefix: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// Deleting a retired or orphaned file failed (the environment's fault).
    #[error(
        "could not delete {path} from the lake's storage; check write permissions (no commit \
         references it, so deleting it by hand is safe)"
    )]
    Delete {
        /// The file.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
}

impl From<LogError> for CompactError {
    fn from(e: LogError) -> Self {
        CompactError::Lake(LakeError::Log(e))
    }
}

/// How far [`execute`] is, reported after each group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompactProgress {
    /// Groups done (committed or skipped).
    pub groups_done: usize,
    /// Groups planned.
    pub groups_total: usize,
    /// Input bytes of the groups done.
    pub bytes_done: u64,
    /// Input bytes of all planned groups.
    pub bytes_total: u64,
}

/// What a compaction did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CompactSummary {
    /// Partitions `(table, date)` with at least one compaction commit.
    pub partitions: usize,
    /// Commits written (one per group of files).
    pub commits: usize,
    /// Groups skipped because another compaction replaced one of their files first.
    pub lost: usize,
    /// Files replaced.
    pub files_in: usize,
    /// Files written.
    pub files_out: usize,
    /// Rows read.
    pub rows_in: u64,
    /// Rows written.
    pub rows_out: u64,
    /// Rows dropped as duplicate `event_id`s.
    pub duplicates_dropped: u64,
    /// Bytes of the files replaced.
    pub bytes_in: u64,
    /// Bytes of the files written.
    pub bytes_out: u64,
    /// What the vacuum after the compaction deleted.
    pub vacuum: VacuumSummary,
}

impl fmt::Display for CompactSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.commits == 0 {
            write!(f, "nothing to compact")?;
        } else {
            write!(
                f,
                "compacted {} partition(s) in {} commit(s): {} files → {}, {} rows → {} ({} \
                 duplicates dropped), {} → {}",
                self.partitions,
                self.commits,
                self.files_in,
                self.files_out,
                self.rows_in,
                self.rows_out,
                self.duplicates_dropped,
                format_bytes(self.bytes_in),
                format_bytes(self.bytes_out),
            )?;
        }
        if self.lost > 0 {
            write!(
                f,
                "; {} group(s) skipped because another compaction replaced them first",
                self.lost
            )?;
        }
        write!(f, "; {}", self.vacuum)
    }
}

/// Finishes interrupted publishing, compacts every partition that needs it, then vacuums.
/// `progress` is called before the first group and after each one.
pub async fn compact(
    lake: &Lake,
    options: &CompactOptions,
    progress: &mut (dyn FnMut(&CompactProgress) + Send),
) -> Result<CompactSummary, CompactError> {
    options.check()?;
    lake.recover(RECOVER_DEPTH).await?;
    let plan = plan(lake, options).await?;
    let mut summary = execute(lake, plan, options, progress).await?;
    summary.vacuum = vacuum::vacuum(lake, options.vacuum_grace).await?;
    Ok(summary)
}

/// Compacts the planned groups one by one, each with its own commit.
pub async fn execute(
    lake: &Lake,
    plan: CompactPlan,
    options: &CompactOptions,
    progress: &mut (dyn FnMut(&CompactProgress) + Send),
) -> Result<CompactSummary, CompactError> {
    options.check()?;
    let mut state = plan.state;
    let mut namer = Namer::new();
    let mut summary = CompactSummary::default();
    let mut partitions = BTreeSet::new();
    let mut done = CompactProgress {
        groups_total: plan.groups.len(),
        bytes_total: plan.groups.iter().map(FileGroup::bytes).sum(),
        ..CompactProgress::default()
    };
    progress(&done);
    for group in &plan.groups {
        match compact_group(lake, &mut state, group, options, &mut namer).await? {
            Some(stats) => {
                partitions.insert((group.table, group.date.as_str()));
                summary.commits += 1;
                summary.files_in += group.files.len();
                summary.files_out += stats.files_out;
                summary.rows_in += stats.rows_in;
                summary.rows_out += stats.rows_out;
                summary.duplicates_dropped += stats.rows_in - stats.rows_out;
                summary.bytes_in += group.bytes();
                summary.bytes_out += stats.bytes_out;
            }
            None => summary.lost += 1,
        }
        done.groups_done += 1;
        done.bytes_done += group.bytes();
        progress(&done);
    }
    summary.partitions = partitions.len();
    Ok(summary)
}

/// What one group's commit wrote.
struct GroupStats {
    files_out: usize,
    rows_in: u64,
    rows_out: u64,
    bytes_out: u64,
}

/// Rewrites one group and commits the swap; `None` if another compaction won the race.
#[tracing::instrument(skip_all, fields(table = group.table.name(), date = %group.date,
    files = group.files.len(), bytes = group.bytes()))]
async fn compact_group(
    lake: &Lake,
    state: &mut LakeState,
    group: &FileGroup,
    options: &CompactOptions,
    namer: &mut Namer,
) -> Result<Option<GroupStats>, CompactError> {
    let table = group.table;
    let mut inputs = Vec::with_capacity(group.files.len());
    for file in &group.files {
        inputs.push((file.path.clone(), lake.read_live(file).await?));
    }
    let date = group.date.clone();
    let (merged, rows_in) = blocking(move || merge(table, &date, inputs)).await??;

    let rows = merged.num_rows();
    let per_file = balanced_rows(rows as u64, rows_per_file(group, options));
    let per_file = usize::try_from(per_file).unwrap_or(usize::MAX);
    let dir = partition_dir(group);
    let mut add = Vec::new();
    let mut offset = 0;
    while offset < rows {
        let len = per_file.min(rows - offset);
        let slice = merged.slice(offset, len);
        let encode_options = options.encode.clone();
        let date = group.date.clone();
        let bytes = blocking(move || {
            encode::encode(table, &[slice], &encode_options).map_err(|source| {
                CompactError::Encode {
                    table: table.name(),
                    date,
                    source,
                }
            })
        })
        .await??;
        let name = namer.next();
        let size = bytes.len() as u64;
        let staged = lake
            .stage(&format!("{}-{name}", table.name()), bytes)
            .await?;
        add.push(FileEntry {
            path: format!("{dir}/{name}"),
            table: table.name().to_owned(),
            date: group.date.clone(),
            rows: len as u64,
            bytes: size,
            staged: Some(staged),
        });
        offset += len;
    }
    drop(merged);

    let commit = Commit {
        operation: COMPACT_OPERATION.to_owned(),
        writer: options.writer.clone(),
        committed_at: Timestamp::now().to_string(),
        add,
        remove: group.files.iter().map(|f| f.path.clone()).collect(),
        sources: Vec::new(),
        gaps: Vec::new(),
    };
    let stats = GroupStats {
        files_out: commit.add.len(),
        rows_in,
        rows_out: rows as u64,
        bytes_out: commit.add.iter().map(|f| f.bytes).sum(),
    };
    match lake.commit(state, &commit).await {
        Ok(version) => {
            tracing::info!(
                version,
                files_out = stats.files_out,
                rows_in = stats.rows_in,
                rows_out = stats.rows_out,
                bytes_out = stats.bytes_out,
                "compacted"
            );
            Ok(Some(stats))
        }
        Err(LakeError::Log(LogError::Gone { path })) => {
            tracing::warn!(
                %path,
                "another compaction replaced a file of this partition first; skipping the partition"
            );
            discard_staged(lake, &commit).await;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Decodes, concatenates, deduplicates and sorts a group's files; returns the rows and how
/// many rows were read.
fn merge(
    table: Table,
    date: &str,
    inputs: Vec<(String, Bytes)>,
) -> Result<(RecordBatch, u64), CompactError> {
    let mut batches = Vec::new();
    for (path, bytes) in inputs {
        let decoded = encode::decode(bytes, None).map_err(|source| CompactError::Decode {
            path,
            table: table.name(),
            source,
        })?;
        batches.extend(decoded);
    }
    let merge_error = |source| CompactError::Merge {
        table: table.name(),
        date: date.to_owned(),
        source,
    };
    let all = concat_batches(&table.schema(), &batches).map_err(merge_error)?;
    drop(batches);
    let rows_in = all.num_rows() as u64;
    let (kept, _) = encode::dedup(table, &all).map_err(merge_error)?;
    drop(all);
    let sorted = if Table::TELEMETRY.contains(&table) {
        kept // dedup sorts telemetry already
    } else {
        encode::sort(table, &kept).map_err(merge_error)?
    };
    Ok((sorted, rows_in))
}

/// The folder of the group's partition: where its files live now.
fn partition_dir(group: &FileGroup) -> String {
    match group.files.first().and_then(|f| f.path.rsplit_once('/')) {
        Some((dir, _)) => dir.to_owned(),
        None if Table::TELEMETRY.contains(&group.table) => {
            format!("telemetry/{}/date={}", group.table.name(), group.date)
        }
        None => format!("{}/date={}", group.table.name(), group.date),
    }
}

/// Deletes the staged files of a commit that was refused (best effort: vacuum gets the rest).
async fn discard_staged(lake: &Lake, commit: &Commit) {
    for staged in commit.add.iter().filter_map(|f| f.staged.as_deref()) {
        let path = object_store::path::Path::from(staged);
        if let Err(error) = lake.store().delete(&path).await {
            tracing::warn!(%path, %error, "could not delete a staged file; vacuum will");
        }
    }
}

/// Unique names for output files: this run's random token and a sequence number, so no two
/// compactions (even with the same writer id) ever write the same path.
struct Namer {
    token: String,
    next: u64,
}

impl Namer {
    fn new() -> Self {
        Namer {
            token: process_token(),
            next: 0,
        }
    }

    fn next(&mut self) -> String {
        self.next += 1;
        format!("compact-{}-{:06}.parquet", self.token, self.next)
    }
}

/// The process id and 32 random bits, e.g. `4711-9f3a01c2`.
fn process_token() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_i64(Timestamp::now().micros());
    format!("{}-{:08x}", std::process::id(), hasher.finish() as u32)
}

/// Runs CPU work (decoding, sorting, encoding) off the async reactor.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CompactError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|source| CompactError::Worker { source })
}

#[cfg(test)]
mod tests;
