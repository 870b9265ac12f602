//! Which files compaction rewrites: the plan, from one snapshot of the commit log.

use std::collections::{BTreeMap, HashSet};

use arrow_array::cast::AsArray;

use super::{CompactError, CompactOptions, blocking, compactable_table};
use crate::lake::encode;
use crate::lake::history;
use crate::lake::log::{FileEntry, LakeState};
use crate::lake::store::Lake;
use crate::schema::Table;

/// The live files of one partition (or part of one) that one commit replaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileGroup {
    /// The table.
    pub table: Table,
    /// The partition date, `YYYY-MM-DD`.
    pub date: String,
    /// The files, in path order.
    pub files: Vec<FileEntry>,
}

impl FileGroup {
    /// Rows in the files, as the log records them.
    pub fn rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }

    /// Bytes of the files, as the log records them.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

/// What [`execute`](super::execute) will do: the groups to rewrite, from one snapshot of the log.
#[derive(Clone, Debug)]
pub struct CompactPlan {
    /// The groups, by table and date.
    pub groups: Vec<FileGroup>,
    /// The log's state the plan was made from.
    pub state: LakeState,
}

/// Picks the groups of files to compact from the newest snapshot of the log (see the [module
/// docs](super) for the rules). Reads only the `event_id` column of single-file ingest partitions.
pub async fn plan(lake: &Lake, options: &CompactOptions) -> Result<CompactPlan, CompactError> {
    options.check()?;
    let history = history::scan(lake.store()).await?;
    let date = options.date.map(|d| d.format("%Y-%m-%d").to_string());
    let mut partitions: BTreeMap<(Table, String), Vec<FileEntry>> = BTreeMap::new();
    for file in history.state.files.values() {
        let Some(table) = compactable_table(&file.table) else {
            continue;
        };
        if options.table.is_some_and(|t| t != table)
            || date.as_ref().is_some_and(|d| *d != file.date)
        {
            continue;
        }
        partitions
            .entry((table, file.date.clone()))
            .or_default()
            .push(file.clone());
    }
    let mut groups = Vec::new();
    for ((table, date), files) in partitions {
        for files in budget_groups(files, options.max_input_bytes) {
            let group = FileGroup {
                table,
                date: date.clone(),
                files,
            };
            if needs_compaction(lake, &group, &history.compacted, options).await? {
                groups.push(group);
            }
        }
    }
    tracing::info!(
        version = history.state.version,
        groups = groups.len(),
        "planned compaction"
    );
    Ok(CompactPlan {
        groups,
        state: history.state,
    })
}

/// Splits a partition's files (in path order) into groups whose bytes stay within `budget`;
/// a file larger than the budget is a group of its own.
fn budget_groups(files: Vec<FileEntry>, budget: u64) -> Vec<Vec<FileEntry>> {
    let mut groups: Vec<Vec<FileEntry>> = Vec::new();
    let mut current: Vec<FileEntry> = Vec::new();
    let mut bytes = 0u64;
    for file in files {
        if !current.is_empty() && bytes.saturating_add(file.bytes) > budget {
            groups.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes = bytes.saturating_add(file.bytes);
        current.push(file);
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// Whether rewriting the group would merge files or drop duplicates.
async fn needs_compaction(
    lake: &Lake,
    group: &FileGroup,
    compacted: &HashSet<String>,
    options: &CompactOptions,
) -> Result<bool, CompactError> {
    let fresh = group.files.iter().any(|f| !compacted.contains(&f.path));
    match group.files.as_slice() {
        [] => Ok(false),
        [file] if fresh && Table::TELEMETRY.contains(&group.table) => {
            has_duplicate_ids(lake, group.table, file).await
        }
        [_] => Ok(false),
        files => {
            let outputs = group.rows().div_ceil(rows_per_file(group, options));
            Ok(fresh || outputs < files.len() as u64)
        }
    }
}

/// Whether a telemetry file holds an `event_id` twice (reads only that column).
async fn has_duplicate_ids(
    lake: &Lake,
    table: Table,
    file: &FileEntry,
) -> Result<bool, CompactError> {
    let bytes = lake.read_live(file).await?;
    let path = file.path.clone();
    blocking(move || {
        let batches =
            encode::decode(bytes, Some(&["event_id"])).map_err(|source| CompactError::Decode {
                path,
                table: table.name(),
                source,
            })?;
        let mut seen = HashSet::new();
        for batch in &batches {
            let Some(ids) = batch.column(0).as_string_opt::<i32>() else {
                continue;
            };
            if ids.iter().flatten().any(|id| !seen.insert(id.to_owned())) {
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await?
}

/// Rows per output file: the byte target at the inputs' bytes per row, at most the row target.
pub(super) fn rows_per_file(group: &FileGroup, options: &CompactOptions) -> u64 {
    let bytes_per_row = (group.bytes() / group.rows().max(1)).max(1);
    (options.target_file_bytes / bytes_per_row).clamp(1, options.target_file_rows)
}

/// Rows per file when `rows` are cut into the fewest files of at most `max` rows, evenly.
pub(super) fn balanced_rows(rows: u64, max: u64) -> u64 {
    let files = rows.div_ceil(max.max(1)).max(1);
    rows.div_ceil(files).max(1)
}
