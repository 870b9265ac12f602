//! Append-only logs of numbered Parquet batches in the lake (`<dir>/<n:020>.parquet`): the
//! incident events and the maintenance window events are each one. Each writer claims the next
//! number with a conditional put; readers list the folder and read the batches in order.

use futures::TryStreamExt;
use object_store::ObjectStore;
use object_store::path::Path;

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
