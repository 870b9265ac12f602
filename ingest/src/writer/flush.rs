//! A flush: buffered rows → one Parquet file per table and date → staged → one commit.

use std::collections::BTreeSet;

use arrow_array::{RecordBatch, cast::AsArray};
use bytes::Bytes;
use futures::future::try_join_all;

use super::seen::id_hash;
use super::{LakeWriter, WriterError};
use tokio::runtime::Handle;

use crate::lake::encode::{self, EncodeOptions};
use crate::lake::log::{Commit, FileEntry, LakeState, SourceRange, read_commit};
use crate::lake::store::{Lake, LakeError};
use crate::schema::Table;
use crate::timestamp::Timestamp;

/// What one flush committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flushed {
    /// The commit's version.
    pub version: u64,
    /// The files it added.
    pub files: Vec<FileEntry>,
    /// The offsets it accounts for.
    pub sources: Vec<SourceRange>,
}

impl Flushed {
    /// Rows committed, in all tables.
    pub fn rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }

    /// Bytes of Parquet committed.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }

    /// This commit followed by a `later` one, as one: the later version, the files of both,
    /// and per partition the range from this one's start to the later one's end.
    pub fn then(self, later: Flushed) -> Flushed {
        let mut sources = self.sources;
        for range in later.sources {
            match sources
                .iter_mut()
                .find(|r| r.source == range.source && r.partition == range.partition)
            {
                Some(r) => r.to = range.to,
                None => sources.push(range),
            }
        }
        let mut files = self.files;
        files.extend(later.files);
        Flushed {
            version: later.version,
            files,
            sources,
        }
    }
}

/// One encoded file before staging.
struct Encoded {
    table: Table,
    date: String,
    rows: u64,
    bytes: Bytes,
}

impl LakeWriter {
    /// Encodes, stages and commits the buffer on this thread.
    pub(super) fn write_and_commit(&mut self) -> Result<Flushed, WriterError> {
        let job = self.take_job()?;
        let (flushed, files) = job.run(&mut self.state)?;
        self.files_written += files;
        self.note_own_commit(flushed.version);
        Ok(flushed)
    }

    /// Takes the buffered rows and consumed ranges as a flush to run (here or on another
    /// thread), leaving the builders empty.
    pub(super) fn take_job(&mut self) -> Result<FlushJob, WriterError> {
        let mut batches = Vec::new();
        for rows in &mut self.tables {
            if !rows.is_empty() {
                let table = rows.table();
                batches.push((table, rows.finish().map_err(encode_error(table))?));
            }
        }
        if !self.dead.is_empty() {
            let batch = self
                .dead
                .finish()
                .map_err(encode_error(Table::DeadLetters))?;
            batches.push((Table::DeadLetters, batch));
        }
        let sources = self
            .ranges
            .iter()
            .map(|((source, partition), range)| SourceRange {
                source: source.clone(),
                partition: *partition,
                from: range.from,
                to: range.to,
            })
            .collect();
        Ok(FlushJob {
            lake: self.lake.clone(),
            runtime: self.runtime.clone(),
            encode: self.config.encode.clone(),
            writer_id: self.config.writer_id.clone(),
            files_written: self.files_written,
            batches,
            sources,
            gaps: std::mem::take(&mut self.gaps),
        })
    }
}

/// One flush's rows and offsets with what it needs to land them: owned, so it can run on
/// another thread while the writer buffers the next one.
pub(super) struct FlushJob {
    lake: Lake,
    runtime: Handle,
    encode: EncodeOptions,
    writer_id: String,
    /// Files this writer named before this flush (file names count on from it).
    files_written: u64,
    batches: Vec<(Table, RecordBatch)>,
    sources: Vec<SourceRange>,
    /// Gaps inside `sources`.
    gaps: Vec<SourceRange>,
}

impl FlushJob {
    /// Encodes the rows as one file per table and date, stages them, and commits them with the
    /// offsets on top of `state`; returns the commit and how many files it named.
    pub(super) fn run(self, state: &mut LakeState) -> Result<(Flushed, u64), WriterError> {
        let encoded = encode_all(self.batches, &self.encode)?;

        let mut files_written = self.files_written;
        let mut add = Vec::with_capacity(encoded.len());
        let mut staged = Vec::with_capacity(encoded.len());
        for file in encoded {
            files_written += 1;
            let name = format!("part-{}-{files_written:06}.parquet", self.writer_id);
            add.push(FileEntry {
                path: format!("{}/{name}", file.table.partition_dir(&file.date)),
                table: file.table.name().to_string(),
                date: file.date,
                rows: file.rows,
                bytes: file.bytes.len() as u64,
                staged: None,
            });
            staged.push((format!("{}-{name}", file.table.name()), file.bytes));
        }
        let lake = &self.lake;
        let paths =
            self.runtime
                .block_on(try_join_all(staged.into_iter().map(|(name, bytes)| {
                    let lake = lake.clone();
                    async move { lake.stage(&name, bytes).await }
                })))?;
        for (entry, path) in add.iter_mut().zip(paths) {
            entry.staged = Some(path);
        }

        let commit = Commit {
            operation: "ingest".into(),
            writer: self.writer_id.clone(),
            committed_at: Timestamp::now().to_string(),
            add,
            remove: Vec::new(),
            sources: self.sources,
            gaps: self.gaps,
        };
        let version = self
            .runtime
            .block_on(self.lake.commit(state, &commit))
            .map_err(|e| match e {
                LakeError::Log(log) => WriterError::from(log),
                other => WriterError::Lake(other),
            })?;
        let named = files_written - self.files_written;
        Ok((
            Flushed {
                version,
                files: commit.add,
                sources: commit.sources,
            },
            named,
        ))
    }
}

fn encode_error(table: Table) -> impl FnOnce(arrow_schema::ArrowError) -> WriterError {
    move |e| WriterError::Encode {
        table: table.name(),
        detail: e.to_string(),
    }
}

/// Splits each table's rows by date and encodes every (table, date) as one file, one thread
/// per table (the big tables dominate, so this uses both cores of a small machine). Each
/// table's rows are dropped once sorted, so a flush holds about one copy of its rows.
fn encode_all(
    batches: Vec<(Table, RecordBatch)>,
    options: &EncodeOptions,
) -> Result<Vec<Encoded>, WriterError> {
    let results: Vec<Result<Vec<Encoded>, WriterError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = batches
            .into_iter()
            .map(|(table, batch)| scope.spawn(move || encode_table(table, batch, options)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(WriterError::Encode {
                        table: "?",
                        detail: "the encoding thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut files = Vec::new();
    for result in results {
        files.extend(result?);
    }
    Ok(files)
}

fn encode_table(
    table: Table,
    batch: RecordBatch,
    options: &EncodeOptions,
) -> Result<Vec<Encoded>, WriterError> {
    let days = encode::split_by_date(table, &batch).map_err(encode_error(table))?;
    drop(batch);
    days.into_iter()
        .map(|(day, rows)| {
            let bytes =
                encode::encode(table, std::slice::from_ref(&rows), options).map_err(|e| {
                    WriterError::Encode {
                        table: table.name(),
                        detail: e.to_string(),
                    }
                })?;
            Ok(Encoded {
                table,
                date: Timestamp::from_secs(day * 86_400).utc_date_string(),
                rows: rows.num_rows() as u64,
                bytes,
            })
        })
        .collect()
}

/// Most commits looked at to remember recent event ids.
const SEED_COMMITS: u64 = 256;

/// Hashes of the event ids in the live telemetry files added by commits after `after`, except
/// the versions in `skip` (newest first, at most [`SEED_COMMITS`] commits and about `limit` ids).
pub(super) async fn recent_ids(
    lake: &Lake,
    state: &LakeState,
    after: u64,
    skip: &BTreeSet<u64>,
    limit: usize,
) -> Result<Vec<u64>, WriterError> {
    let store = lake.store();
    let oldest = after.max(state.version.saturating_sub(SEED_COMMITS)) + 1;
    let mut ids = Vec::new();
    for version in (oldest..=state.version).rev() {
        if skip.contains(&version) {
            continue;
        }
        let Some(commit) = read_commit(store, version)
            .await
            .map_err(WriterError::from)?
        else {
            continue;
        };
        for file in &commit.add {
            if !state.files.contains_key(&file.path)
                || !Table::TELEMETRY.iter().any(|t| t.name() == file.table)
            {
                continue;
            }
            let bytes = match lake.read_live(file).await {
                Ok(bytes) => bytes,
                Err(LakeError::Missing { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            let batches =
                encode::decode(bytes, Some(&["event_id"])).map_err(|e| WriterError::Encode {
                    table: "event_id",
                    detail: format!("could not read the event ids of {}: {e}", file.path),
                })?;
            for batch in batches {
                let column = batch.column(0);
                if let Some(strings) = column.as_string_opt::<i32>() {
                    ids.extend(strings.iter().flatten().map(id_hash));
                }
            }
            if ids.len() >= limit {
                return Ok(ids);
            }
        }
    }
    Ok(ids)
}
