//! The lake's commit log: the one record of which files are live and which source offsets
//! they hold.
//!
//! Commit `N` is the object `_roomsight/log/<N as 20 digits>.json`, written with put-if-absent,
//! so exactly one writer wins each version. A commit lists the files it adds and removes and, per
//! source partition, the offset range `[from, to)` its rows came from. It is valid only if each
//! `from` equals the partition's next offset after commit `N-1` (or the partition is new to the
//! lake): a writer that lost a partition to another process can therefore never land it twice —
//! its commit is refused ([`LogError::Fenced`]) and its files stay unreferenced.
//!
//! A commit also lists the gaps inside its ranges: offsets Kafka no longer had when the ingest
//! read past them (retention, compaction, deleted records, transaction markers), so the lake
//! itself says which offsets of a range it does not hold, and `lake status` can show them.
//!
//! A reader's view of the lake is a [`LakeState`]: the state after some version, built by
//! applying commits in order. Nothing else (directory listings, Kafka group offsets) is trusted.

use std::collections::BTreeMap;
use std::sync::Arc;

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

/// Where commits live, relative to the lake's root.
pub const LOG_DIR: &str = "_roomsight/log";

/// A data file the lake holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Its path relative to the lake's root, e.g. `telemetry/heartbeats/date=2026-11-24/….parquet`.
    pub path: String,
    /// The table's SQL name.
    pub table: String,
    /// The partition date, `YYYY-MM-DD`.
    pub date: String,
    /// Rows in the file.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// Where the file was written before the commit made it live; it is moved to `path` after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged: Option<String>,
}

/// The offsets of one source partition that a commit consumed: `[from, to)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRange {
    /// `kafka:<topic>` or `file:<path>`.
    pub source: String,
    /// The Kafka partition (0 for files).
    pub partition: i32,
    /// The first offset (or line index) consumed: must be the lake's next offset before.
    pub from: i64,
    /// One past the last offset consumed: the lake's next offset after.
    pub to: i64,
}

/// One commit: files added and removed, and the offsets they account for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// What wrote it: `ingest`, `compact`, …
    pub operation: String,
    /// The writer's id (host, process and a random part), for diagnosis.
    pub writer: String,
    /// When it was committed, RFC 3339.
    pub committed_at: String,
    /// Files made live.
    #[serde(default)]
    pub add: Vec<FileEntry>,
    /// Paths of files no longer live (compaction replaced them).
    #[serde(default)]
    pub remove: Vec<String>,
    /// Source offsets consumed.
    #[serde(default)]
    pub sources: Vec<SourceRange>,
    /// Gaps inside those ranges: `[from, to)` offsets Kafka no longer had when the ingest read
    /// past them, so their messages are not in the lake.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<SourceRange>,
}

/// The gaps the lake recorded in one source partition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Gaps {
    /// How many gaps.
    pub count: u64,
    /// Offsets skipped in all of them.
    pub offsets: u64,
    /// The newest gap's first offset.
    pub last_from: i64,
    /// One past the newest gap's last offset.
    pub last_to: i64,
}

/// Failures of the log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The object store failed.
    #[error("the lake's storage failed at {path}")]
    Store {
        /// The object.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// A commit is not valid JSON of the expected shape: the lake is damaged.
    #[error(
        "commit {path} is not a valid roomsight commit ({source}); restore it from a backup or \
         remove the lake's later commits"
    )]
    Corrupt {
        /// The object.
        path: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// Another writer landed this partition's offsets first: this writer no longer owns it.
    #[error(
        "{stream} partition {partition} is at offset {lake} in the lake, not {expected}: another \
         ingest process owns it now; this writer's buffered rows for it are dropped and re-read"
    )]
    Fenced {
        /// The source (`kafka:<topic>`, `file:<path>`).
        stream: String,
        /// The partition.
        partition: i32,
        /// The `from` this commit expected.
        expected: i64,
        /// What the lake holds.
        lake: i64,
    },
    /// A file this commit removes is no longer live (another compaction removed it).
    #[error("{path} is no longer live: another compaction replaced it first")]
    Gone {
        /// The file.
        path: String,
    },
}

/// The lake as of one version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LakeState {
    /// The last applied version (0: none yet; the first commit is version 1).
    pub version: u64,
    /// Live files by path.
    pub files: BTreeMap<String, FileEntry>,
    /// Next offset per (source, partition).
    pub offsets: BTreeMap<(String, i32), i64>,
    /// Recorded gaps per (source, partition), for those that had any.
    pub gaps: BTreeMap<(String, i32), Gaps>,
}

impl LakeState {
    /// Checks that `commit` may follow this state.
    pub fn check(&self, commit: &Commit) -> Result<(), LogError> {
        for range in &commit.sources {
            let key = (range.source.clone(), range.partition);
            if let Some(&lake) = self.offsets.get(&key)
                && lake != range.from
            {
                return Err(LogError::Fenced {
                    stream: range.source.clone(),
                    partition: range.partition,
                    expected: range.from,
                    lake,
                });
            }
        }
        match commit.remove.iter().find(|p| !self.files.contains_key(*p)) {
            Some(path) => Err(LogError::Gone { path: path.clone() }),
            None => Ok(()),
        }
    }

    /// Applies a commit as version `version`.
    pub fn apply(&mut self, version: u64, commit: &Commit) {
        for path in &commit.remove {
            self.files.remove(path);
        }
        for file in &commit.add {
            self.files.insert(file.path.clone(), file.clone());
        }
        for range in &commit.sources {
            self.offsets
                .insert((range.source.clone(), range.partition), range.to);
        }
        for gap in &commit.gaps {
            let gaps = self
                .gaps
                .entry((gap.source.clone(), gap.partition))
                .or_default();
            gaps.count += 1;
            gaps.offsets += u64::try_from(gap.to - gap.from).unwrap_or(0);
            gaps.last_from = gap.from;
            gaps.last_to = gap.to;
        }
        self.version = version;
    }

    /// The next offset of each partition of a source the lake has seen.
    pub fn source_offsets(&self, source: &str) -> BTreeMap<i32, i64> {
        self.offsets
            .iter()
            .filter(|((s, _), _)| s == source)
            .map(|((_, p), o)| (*p, *o))
            .collect()
    }
}

/// The path of commit `version`.
pub fn commit_path(version: u64) -> Path {
    Path::from(format!("{LOG_DIR}/{version:020}.json"))
}

/// Reads commit `version`, or `None` if it does not exist yet.
pub async fn read_commit(
    store: &Arc<dyn ObjectStore>,
    version: u64,
) -> Result<Option<Commit>, LogError> {
    let path = commit_path(version);
    let bytes = match store.get(&path).await {
        Ok(got) => got.bytes().await,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => Err(e),
    }
    .map_err(|source| LogError::Store {
        path: path.to_string(),
        source,
    })?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| LogError::Corrupt {
            path: path.to_string(),
            source,
        })
}

/// Applies every commit after `state.version` that exists; returns how many were applied.
pub async fn refresh(store: &Arc<dyn ObjectStore>, state: &mut LakeState) -> Result<u64, LogError> {
    let mut applied = 0;
    while let Some(commit) = read_commit(store, state.version + 1).await? {
        state.apply(state.version + 1, &commit);
        applied += 1;
    }
    Ok(applied)
}

/// Writes `commit` as the next version after the newest one, refreshing `state` past commits of
/// other writers and re-checking against each; returns the version it landed as. On an error
/// nothing was committed and `state` is current up to the conflicting commit.
pub async fn append(
    store: &Arc<dyn ObjectStore>,
    state: &mut LakeState,
    commit: &Commit,
) -> Result<u64, LogError> {
    let body = serde_json::to_vec_pretty(commit).map_err(|source| LogError::Corrupt {
        path: "(new commit)".into(),
        source,
    })?;
    loop {
        refresh(store, state).await?;
        state.check(commit)?;
        let version = state.version + 1;
        let path = commit_path(version);
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        match store
            .put_opts(&path, PutPayload::from(body.clone()), options)
            .await
        {
            Ok(_) => {
                state.apply(version, commit);
                return Ok(version);
            }
            Err(object_store::Error::AlreadyExists { .. }) => continue,
            Err(source) => {
                return Err(LogError::Store {
                    path: path.to_string(),
                    source,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use object_store::local::LocalFileSystem;

    use super::*;

    fn store(dir: &std::path::Path) -> Arc<dyn ObjectStore> {
        Arc::new(LocalFileSystem::new_with_prefix(dir).unwrap())
    }

    fn ingest(partition: i32, from: i64, to: i64, file: &str) -> Commit {
        Commit {
            operation: "ingest".into(),
            writer: "test".into(),
            committed_at: "2026-11-24T10:00:00Z".into(),
            add: vec![FileEntry {
                path: file.into(),
                table: "heartbeats".into(),
                date: "2026-11-24".into(),
                rows: (to - from) as u64,
                bytes: 100,
                staged: None,
            }],
            remove: vec![],
            sources: vec![SourceRange {
                source: "kafka:t".into(),
                partition,
                from,
                to,
            }],
            gaps: vec![],
        }
    }

    #[tokio::test]
    async fn commits_chain_and_a_fresh_reader_sees_the_same_state() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let mut state = LakeState::default();
        assert_eq!(
            append(&s, &mut state, &ingest(0, 0, 10, "a"))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            append(&s, &mut state, &ingest(0, 10, 25, "b"))
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            append(&s, &mut state, &ingest(1, 7, 9, "c")).await.unwrap(),
            3
        );
        let mut reader = LakeState::default();
        assert_eq!(refresh(&s, &mut reader).await.unwrap(), 3);
        assert_eq!(reader, state);
        assert_eq!(
            reader.source_offsets("kafka:t"),
            BTreeMap::from([(0, 25), (1, 9)])
        );
        assert_eq!(reader.files.len(), 3);
    }

    #[tokio::test]
    async fn a_writer_that_lost_its_partition_is_fenced_and_lands_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let mut old_owner = LakeState::default();
        append(&s, &mut old_owner, &ingest(0, 0, 10, "a"))
            .await
            .unwrap();
        // The partition moves: the new owner lands 10..30 while the old one still buffers 10..20.
        let mut new_owner = LakeState::default();
        append(&s, &mut new_owner, &ingest(0, 10, 30, "b"))
            .await
            .unwrap();
        let err = append(&s, &mut old_owner, &ingest(0, 10, 20, "stale"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                LogError::Fenced {
                    expected: 10,
                    lake: 30,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            old_owner.version, 2,
            "the old owner caught up, then refused"
        );
        assert!(!old_owner.files.contains_key("stale"));
        assert!(read_commit(&s, 3).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn racing_writers_of_different_partitions_both_land_in_some_order() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let tasks: Vec<_> = (0..8)
            .map(|p| {
                let s = Arc::clone(&s);
                tokio::spawn(async move {
                    let mut state = LakeState::default();
                    for i in 0..5 {
                        let c = ingest(p, i * 10, (i + 1) * 10, &format!("p{p}-{i}"));
                        append(&s, &mut state, &c).await.unwrap();
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let mut reader = LakeState::default();
        assert_eq!(refresh(&s, &mut reader).await.unwrap(), 40);
        assert_eq!(reader.files.len(), 40);
        assert!(reader.source_offsets("kafka:t").values().all(|&o| o == 50));
    }

    #[tokio::test]
    async fn gaps_inside_a_commits_range_are_tallied_per_partition() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let mut state = LakeState::default();
        let gap = |from, to| SourceRange {
            source: "kafka:t".into(),
            partition: 0,
            from,
            to,
        };
        let mut commit = ingest(0, 0, 100, "a");
        commit.gaps = vec![gap(10, 40), gap(41, 42)];
        append(&s, &mut state, &commit).await.unwrap();
        append(&s, &mut state, &ingest(1, 0, 5, "b")).await.unwrap();
        let mut reader = LakeState::default();
        refresh(&s, &mut reader).await.unwrap();
        assert_eq!(reader, state);
        assert_eq!(
            reader.gaps,
            BTreeMap::from([(
                ("kafka:t".to_string(), 0),
                Gaps {
                    count: 2,
                    offsets: 31,
                    last_from: 41,
                    last_to: 42
                }
            )])
        );
        // A commit without gaps does not write the field at all.
        let plain = serde_json::to_string(&ingest(0, 0, 1, "c")).unwrap();
        assert!(!plain.contains("gaps"), "{plain}");
    }

    #[tokio::test]
    async fn removing_a_file_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let mut state = LakeState::default();
        append(&s, &mut state, &ingest(0, 0, 10, "a"))
            .await
            .unwrap();
        let compact = |out: &str| Commit {
            operation: "compact".into(),
            add: vec![FileEntry {
                path: out.into(),
                ..ingest(0, 0, 10, "x").add[0].clone()
            }],
            remove: vec!["a".into()],
            sources: vec![],
            ..ingest(0, 0, 10, "x")
        };
        append(&s, &mut state, &compact("a1")).await.unwrap();
        let mut other = LakeState {
            version: 1,
            ..LakeState::default()
        };
        other.files.insert("a".into(), state.files["a1"].clone());
        let err = append(&s, &mut other, &compact("a2")).await.unwrap_err();
        assert!(matches!(err, LogError::Gone { .. }), "{err}");
    }
}
