//! Opening a lake and moving files through it: staged, committed, published, retired.
//!
//! A data file is first written under `_roomsight/staging/`, where no directory-listing reader
//! (DuckDB, Spark, pandas) looks. The commit that lists it makes it live; only then is it moved to
//! its Hive path (`telemetry/<table>/date=…/`). Files a commit removes are moved to
//! `_roomsight/trash/<their path>` rather than deleted, so a query planned just before keeps
//! finding them. A crash between commit and move leaves the lake committed but not yet published:
//! [`Lake::publish`] is idempotent and [`Lake::recover`] redoes it for recent commits, so every
//! process that opens the lake for writing finishes what a crashed one started.
//!
//! Publishing moves the removed files to the trash *before* it moves the added files into place,
//! so a directory-listing reader may briefly miss a compacted partition's rows but never sees them
//! twice (see [`compact`](super::compact) for why that order).

use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::log::{self, Commit, FileEntry, LakeState, LogError};

/// Where data files wait for their commit.
pub const STAGING_DIR: &str = "_roomsight/staging";
/// Where files removed by a commit are kept until they are vacuumed.
pub const TRASH_DIR: &str = "_roomsight/trash";

/// Failures opening or writing the lake.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// The lake's URL names a scheme roomsight cannot open.
    #[error(
        "cannot open lake `{url}`: give a directory path, a file:// URL or an s3://bucket/prefix \
         URL"
    )]
    Unsupported {
        /// The URL.
        url: String,
    },
    /// The lake's URL is malformed.
    #[error("cannot open lake `{url}`: {why}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The S3 client could not be configured (a bad region, endpoint or credential setting).
    #[error(
        "cannot open lake `{url}`: the S3 settings are not usable; check the AWS_* variables \
         (AWS_REGION, AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, …) or the profile in ~/.aws"
    )]
    S3 {
        /// The URL.
        url: String,
        /// object_store's error.
        source: object_store::Error,
    },
    /// The local directory could not be created or opened.
    #[error(
        "cannot open lake directory {dir}: check that it exists or can be created and is writable"
    )]
    Dir {
        /// The directory.
        dir: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The store failed.
    #[error("the lake's storage failed at {path}")]
    Store {
        /// The object.
        path: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// A file the commit log lists is in none of the places it can be: the lake is damaged.
    #[error(
        "{path} is listed by the lake's commit log but is missing from storage (not at its path, \
         in staging or in the trash): the lake is damaged; restore the file from a backup"
    )]
    Missing {
        /// The file's path.
        path: String,
    },
    /// The commit log failed or refused a commit.
    #[error(transparent)]
    Log(#[from] LogError),
}

fn store_error(path: &Path) -> impl FnOnce(object_store::Error) -> LakeError + '_ {
    move |source| LakeError::Store {
        path: path.to_string(),
        source,
    }
}

/// An open lake.
#[derive(Clone, Debug)]
pub struct Lake {
    url: String,
    store: Arc<dyn ObjectStore>,
}

impl Lake {
    /// Opens a lake at a local directory (created if missing), a `file://` URL, or
    /// `s3://bucket/prefix` (settings from the AWS environment, see [`s3`](super::s3)).
    pub fn open(url: &str) -> Result<Lake, LakeError> {
        let dir = match url.split_once("://") {
            None => url,
            Some(("file", rest)) => rest,
            Some(("s3", rest)) => {
                return Ok(Lake {
                    url: url.into(),
                    store: super::s3::open(url, rest)?,
                });
            }
            Some(_) => return Err(LakeError::Unsupported { url: url.into() }),
        };
        let dir_error = |source| LakeError::Dir {
            dir: dir.into(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(dir_error)?;
        let root = std::fs::canonicalize(dir).map_err(dir_error)?;
        let store = LocalFileSystem::new_with_prefix(&root)
            .map_err(|e| dir_error(std::io::Error::other(e)))?;
        Ok(Lake {
            url: url.into(),
            store: Arc::new(store),
        })
    }

    /// A lake over any object store (tests, other backends).
    pub fn with_store(url: impl Into<String>, store: Arc<dyn ObjectStore>) -> Lake {
        Lake {
            url: url.into(),
            store,
        }
    }

    /// The URL it was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the lake lives on the local file system (else in an object store).
    pub fn is_local(&self) -> bool {
        !self.url.contains("://") || self.url.starts_with("file://")
    }

    /// Whether anything was ever written to the lake (a commit, a table, the directory).
    pub async fn is_populated(&self) -> Result<bool, LakeError> {
        let mut listing = self.store.list(None);
        match futures::StreamExt::next(&mut listing).await {
            None => Ok(false),
            Some(Ok(_)) => Ok(true),
            Some(Err(source)) => Err(LakeError::Store {
                path: self.url.clone(),
                source,
            }),
        }
    }

    /// The object store, rooted at the lake.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The state after the newest commit.
    pub async fn state(&self) -> Result<LakeState, LakeError> {
        let mut state = LakeState::default();
        log::refresh(&self.store, &mut state).await?;
        Ok(state)
    }

    /// Writes a data file's bytes under staging; returns the staged path.
    pub async fn stage(&self, name: &str, bytes: Bytes) -> Result<String, LakeError> {
        let path = Path::from(format!("{STAGING_DIR}/{name}"));
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(store_error(&path))?;
        Ok(path.to_string())
    }

    /// Commits and publishes: appends `commit` to the log (refreshing `state` and re-checking it
    /// against other writers' commits), then moves its files into place. Returns the version.
    pub async fn commit(&self, state: &mut LakeState, commit: &Commit) -> Result<u64, LakeError> {
        let version = log::append(&self.store, state, commit).await?;
        self.publish(commit).await?;
        Ok(version)
    }

    /// Moves a committed commit's removed files to the trash, then its added files from staging
    /// to their paths (removals first: a directory-listing reader may miss rows for a moment but
    /// never counts them twice). Idempotent: what is already in place is left alone.
    pub async fn publish(&self, commit: &Commit) -> Result<(), LakeError> {
        for removed in &commit.remove {
            let trash = Path::from(format!("{TRASH_DIR}/{removed}"));
            self.move_if_present(&Path::from(removed.as_str()), &trash)
                .await?;
        }
        for file in &commit.add {
            if let Some(staged) = &file.staged {
                self.move_if_present(
                    &Path::from(staged.as_str()),
                    &Path::from(file.path.as_str()),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Reads a live file's bytes wherever it is: at its published path, still staged (its commit
    /// is not published yet), or already in the trash (a newer commit removed it). Files never
    /// change once written, so any copy is the file.
    pub async fn read_live(&self, file: &FileEntry) -> Result<Bytes, LakeError> {
        let trash = format!("{TRASH_DIR}/{}", file.path);
        // The published path twice: a publisher may move the file between the first two looks.
        let places = std::iter::once(&file.path)
            .chain(file.staged.iter())
            .chain([&file.path, &trash]);
        for place in places {
            let path = Path::from(place.as_str());
            match self.store.get(&path).await {
                Ok(got) => return got.bytes().await.map_err(store_error(&path)),
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(store_error(&path)(e)),
            }
        }
        Err(LakeError::Missing {
            path: file.path.clone(),
        })
    }

    /// Finishes the publishing of the newest `depth` commits (after a crash between a commit and
    /// its moves). Returns how many files were moved.
    pub async fn recover(&self, depth: u64) -> Result<usize, LakeError> {
        let state = self.state().await?;
        let mut moved = 0;
        for version in state.version.saturating_sub(depth) + 1..=state.version {
            let Some(commit) = log::read_commit(&self.store, version).await? else {
                continue;
            };
            let before = self.pending_moves(&commit).await?;
            if before > 0 {
                self.publish(&commit).await?;
                moved += before;
            }
        }
        if moved > 0 {
            tracing::info!(
                moved,
                "finished publishing files of commits a crashed writer left"
            );
        }
        Ok(moved)
    }

    async fn pending_moves(&self, commit: &Commit) -> Result<usize, LakeError> {
        let mut pending = 0;
        for file in &commit.add {
            if let Some(staged) = &file.staged
                && self.exists(&Path::from(staged.as_str())).await?
            {
                pending += 1;
            }
        }
        for removed in &commit.remove {
            if self.exists(&Path::from(removed.as_str())).await? {
                pending += 1;
            }
        }
        Ok(pending)
    }

    async fn exists(&self, path: &Path) -> Result<bool, LakeError> {
        match self.store.head(path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(store_error(path)(e)),
        }
    }

    async fn move_if_present(&self, from: &Path, to: &Path) -> Result<(), LakeError> {
        match self.store.rename(from, to).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(from)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::log::SourceRange;
    use super::*;

    fn commit(name: &str, from: i64, to: i64, remove: Vec<String>) -> Commit {
        Commit {
            operation: "ingest".into(),
            writer: "test".into(),
            committed_at: "2026-11-24T10:00:00Z".into(),
            add: vec![FileEntry {
                path: format!("telemetry/heartbeats/date=2026-11-24/{name}.parquet"),
                table: "heartbeats".into(),
                date: "2026-11-24".into(),
                rows: 1,
                bytes: 3,
                staged: Some(format!("{STAGING_DIR}/{name}.parquet")),
            }],
            remove,
            sources: vec![SourceRange {
                source: "kafka:t".into(),
                partition: 0,
                from,
                to,
            }],
            gaps: vec![],
        }
    }

    #[tokio::test]
    async fn staged_files_appear_at_their_hive_path_only_after_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
        let mut state = lake.state().await.unwrap();
        lake.stage("a.parquet", Bytes::from_static(b"abc"))
            .await
            .unwrap();
        let live = dir
            .path()
            .join("telemetry/heartbeats/date=2026-11-24/a.parquet");
        assert!(!live.exists(), "not visible before its commit");
        lake.commit(&mut state, &commit("a", 0, 1, vec![]))
            .await
            .unwrap();
        assert_eq!(std::fs::read(&live).unwrap(), b"abc");
        assert!(!dir.path().join(STAGING_DIR).join("a.parquet").exists());

        // Compaction: b replaces a; a goes to the trash, not away.
        lake.stage("b.parquet", Bytes::from_static(b"xyz"))
            .await
            .unwrap();
        let removed = vec!["telemetry/heartbeats/date=2026-11-24/a.parquet".to_string()];
        let mut compact = commit("b", 0, 0, removed);
        compact.sources.clear();
        lake.commit(&mut state, &compact).await.unwrap();
        assert!(!live.exists());
        assert!(
            dir.path()
                .join(TRASH_DIR)
                .join("telemetry/heartbeats/date=2026-11-24/a.parquet")
                .exists()
        );
        assert_eq!(lake.state().await.unwrap().files.len(), 1);
    }

    #[tokio::test]
    async fn recover_publishes_what_a_crash_left_committed_but_staged() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(&format!("file://{}", dir.path().display())).unwrap();
        lake.stage("a.parquet", Bytes::from_static(b"abc"))
            .await
            .unwrap();
        // The writer dies right after its commit landed, before moving the file.
        let mut state = lake.state().await.unwrap();
        log::append(lake.store(), &mut state, &commit("a", 0, 1, vec![]))
            .await
            .unwrap();
        let live = dir
            .path()
            .join("telemetry/heartbeats/date=2026-11-24/a.parquet");
        assert!(!live.exists());
        assert_eq!(lake.recover(10).await.unwrap(), 1);
        assert!(live.exists());
        assert_eq!(lake.recover(10).await.unwrap(), 0, "idempotent");
    }

    #[tokio::test]
    async fn publish_retires_removed_files_before_it_places_added_ones() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
        let mut state = lake.state().await.unwrap();
        lake.stage("a.parquet", Bytes::from_static(b"abc"))
            .await
            .unwrap();
        lake.commit(&mut state, &commit("a", 0, 1, vec![]))
            .await
            .unwrap();
        lake.stage("b.parquet", Bytes::from_static(b"xyz"))
            .await
            .unwrap();
        // A directory where b must go makes b's move fail: whatever moved before it is visible.
        let partition = dir.path().join("telemetry/heartbeats/date=2026-11-24");
        std::fs::create_dir_all(partition.join("b.parquet/blocker")).unwrap();
        let a = "telemetry/heartbeats/date=2026-11-24/a.parquet".to_string();
        let mut compact = commit("b", 0, 0, vec![a.clone()]);
        compact.sources.clear();
        assert!(lake.commit(&mut state, &compact).await.is_err());
        assert!(
            dir.path().join(TRASH_DIR).join(&a).exists() && !partition.join("a.parquet").exists(),
            "the removed file left the partition before the added one arrived: a listing never \
             sees both"
        );
    }

    #[test]
    fn unsupported_schemes_say_what_to_do() {
        let err = Lake::open("gs://bucket/lake").unwrap_err();
        assert!(err.to_string().contains("s3://bucket/prefix"), "{err}");
        let err = Lake::open("s3:///lake").unwrap_err();
        assert!(err.to_string().contains("names no bucket"), "{err}");
    }
}
