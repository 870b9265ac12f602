//! Append-only logs of numbered Parquet batches in the lake (`<dir>/<n:020>.parquet`): the
//! incident events and the maintenance window events are each one. Each writer claims the next
//! number with a conditional put; readers list the folder and read the batches in order.

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

/// The batch numbers present under `dir`, ascending; none when the folder does not exist yet.
pub(crate) async fn numbers(
    store: &dyn ObjectStore,
    dir: &str,
) -> Result<Vec<u64>, object_store::Error> {
    let dir = Path::from(dir.trim_end_matches('/'));
    let metas: Vec<_> = match store.list(Some(&dir)).try_collect().await {
        Ok(m) => m,
        Err(object_store::Error::NotFound { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut numbers: Vec<u64> = metas
        .iter()
        .filter_map(|m| {
            m.location
                .filename()?
                .strip_suffix(".parquet")?
                .parse()
                .ok()
        })
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

/// The path of batch `n` under `dir` (which ends with `/`).
pub(crate) fn path(dir: &str, n: u64) -> Path {
    Path::from(format!("{dir}{n:020}.parquet"))
}

/// Writes batch `n` under `dir` unless it exists: `Ok(false)` when another writer took the
/// number first (the put is conditional, so exactly one writer wins each number).
pub(crate) async fn create(
    store: &dyn ObjectStore,
    dir: &str,
    n: u64,
    bytes: Bytes,
) -> Result<bool, object_store::Error> {
    let options = PutOptions {
        mode: PutMode::Create,
        ..PutOptions::default()
    };
    match store
        .put_opts(&path(dir, n), PutPayload::from(bytes), options)
        .await
    {
        Ok(_) => Ok(true),
        Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
