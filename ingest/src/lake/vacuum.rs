//! Vacuum: deleting the files no reader needs any more.
//!
//! Two kinds of files are garbage once a grace period has passed:
//! - **retired files** in `_roomsight/trash/`, moved there when a commit (a compaction) removed
//!   them. They are kept so a query planned on an older snapshot still finds them; their age is
//!   counted from the commit that removed them (a rename keeps a file's old modification time,
//!   so the file's own time would say nothing);
//! - **orphaned staged files** in `_roomsight/staging/` that no commit names: a writer died, or
//!   lost a race, between staging and committing. Their age is their write time. A staged file
//!   that a commit *does* name is never deleted: its commit is not published yet, and
//!   [`Lake::recover`] will move it into place.
//!
//! The grace period must be longer than the longest query over the lake and longer than any
//! writer takes from staging a file to committing it (ingest flushes take seconds): a writer that
//! stages, stalls past the grace period, then commits would commit a file vacuum deleted.
//! Folders are listed *before* the log is read, so every retired file listed has its removing
//! commit in the log read after, and every staged file committed before the listing is known.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use serde::Serialize;

use super::compact::CompactError;
use super::history;
use super::log::LOG_DIR;
use super::status::format_bytes;
use super::store::{Lake, STAGING_DIR, TRASH_DIR};

/// What a vacuum deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VacuumSummary {
    /// Retired files deleted from the trash.
    pub trash_deleted: usize,
    /// Orphaned staged files deleted.
    pub staging_deleted: usize,
    /// Bytes freed.
    pub bytes_freed: u64,
}

impl fmt::Display for VacuumSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "vacuum deleted {} retired and {} orphaned file(s), {}",
            self.trash_deleted,
            self.staging_deleted,
            format_bytes(self.bytes_freed)
        )
    }
}

/// Deletes retired files whose removing commit is older than `grace`, and staged files that no
/// commit names and that were written more than `grace` ago.
#[tracing::instrument(skip_all, fields(grace_s = grace.as_secs()))]
pub async fn vacuum(lake: &Lake, grace: Duration) -> Result<VacuumSummary, CompactError> {
    let store = lake.store();
    let staging = list(store, STAGING_DIR).await?;
    let trash = list(store, TRASH_DIR).await?;
    let commit_times = commit_times(store).await?;
    let history = history::scan(store).await?;
    let now = Utc::now();
    let cutoff = TimeDelta::from_std(grace)
        .ok()
        .and_then(|g| now.checked_sub_signed(g))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);

    let mut summary = VacuumSummary::default();
    for meta in staging {
        if history.staged.contains(meta.location.as_ref()) || meta.last_modified > cutoff {
            continue;
        }
        if delete(store, &meta.location).await? {
            summary.staging_deleted += 1;
            summary.bytes_freed += meta.size;
        }
    }
    let trash_prefix = format!("{TRASH_DIR}/");
    for meta in trash {
        let Some(original) = meta.location.as_ref().strip_prefix(&trash_prefix) else {
            continue;
        };
        if history.state.files.contains_key(original) {
            continue; // never delete a live file's only other copy
        }
        let retired = history
            .removed_in
            .get(original)
            .and_then(|version| commit_times.get(version))
            .copied()
            .unwrap_or(meta.last_modified);
        if retired > cutoff {
            continue;
        }
        if delete(store, &meta.location).await? {
            summary.trash_deleted += 1;
            summary.bytes_freed += meta.size;
        }
    }
    if summary.trash_deleted + summary.staging_deleted > 0 {
        tracing::info!(
            trash = summary.trash_deleted,
            staging = summary.staging_deleted,
            bytes = summary.bytes_freed,
            "vacuumed"
        );
    }
    Ok(summary)
}

/// Every object under `prefix` (none if the folder does not exist).
async fn list(store: &Arc<dyn ObjectStore>, prefix: &str) -> Result<Vec<ObjectMeta>, CompactError> {
    let path = Path::from(prefix);
    match store.list(Some(&path)).try_collect().await {
        Ok(objects) => Ok(objects),
        Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
        Err(source) => Err(CompactError::List {
            prefix: prefix.to_owned(),
            source,
        }),
    }
}

/// When each commit was written, by version, as the store recorded it.
async fn commit_times(
    store: &Arc<dyn ObjectStore>,
) -> Result<HashMap<u64, DateTime<Utc>>, CompactError> {
    Ok(list(store, LOG_DIR)
        .await?
        .into_iter()
        .filter_map(|meta| {
            let name = meta.location.filename()?;
            let version = name.strip_suffix(".json")?.parse().ok()?;
            Some((version, meta.last_modified))
        })
        .collect())
}

/// Deletes one object; `false` if it was already gone (another vacuum got there first).
async fn delete(store: &Arc<dyn ObjectStore>, path: &Path) -> Result<bool, CompactError> {
    match store.delete(path).await {
        Ok(()) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(source) => Err(CompactError::Delete {
            path: path.to_string(),
            source,
        }),
    }
}
