//! One pass over the whole commit log: the lake's current state plus what compaction and vacuum
//! need to know about the past of each file.
//!
//! [`LakeState`] answers "what is live now". Maintenance needs a little more: which live files
//! a compaction wrote (they are already sorted and free of duplicate `event_id`s, so a partition
//! made of them alone needs no second pass), which staged paths any commit ever named (a staged
//! file no commit names is an orphan of a writer that died before its commit), and which commit
//! removed each retired file (the trash keeps it for a grace period counted from that commit).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use object_store::ObjectStore;

use super::log::{Commit, LakeState, LogError, read_commit};

/// The `operation` of the commits compaction writes.
pub const COMPACT_OPERATION: &str = "compact";

/// The lake's state and the facts about its files' past that maintenance needs.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The state after the newest commit.
    pub state: LakeState,
    /// Live files that a [`COMPACT_OPERATION`] commit added.
    pub compacted: HashSet<String>,
    /// Every staged path a commit names (whether or not its file was published since).
    pub staged: HashSet<String>,
    /// The version of the commit that removed each retired file, by the file's path.
    pub removed_in: HashMap<String, u64>,
    /// The newest commit, if there is one.
    pub last: Option<Commit>,
}

impl History {
    /// Applies commit `version` after the ones already applied.
    pub fn apply(&mut self, version: u64, commit: Commit) {
        for path in &commit.remove {
            self.compacted.remove(path);
            self.removed_in.insert(path.clone(), version);
        }
        for file in &commit.add {
            if commit.operation == COMPACT_OPERATION {
                self.compacted.insert(file.path.clone());
            }
            if let Some(staged) = &file.staged {
                self.staged.insert(staged.clone());
            }
        }
        self.state.apply(version, &commit);
        self.last = Some(commit);
    }
}

/// Reads every commit of the lake in order.
pub async fn scan(store: &Arc<dyn ObjectStore>) -> Result<History, LogError> {
    let mut history = History::default();
    while let Some(commit) = read_commit(store, history.state.version + 1).await? {
        history.apply(history.state.version + 1, commit);
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::super::log::FileEntry;
    use super::*;

    fn file(path: &str, staged: Option<&str>) -> FileEntry {
        FileEntry {
            path: path.into(),
            table: "heartbeats".into(),
            date: "2026-11-24".into(),
            rows: 1,
            bytes: 1,
            staged: staged.map(str::to_owned),
        }
    }

    fn commit(operation: &str, add: Vec<FileEntry>, remove: &[&str]) -> Commit {
        Commit {
            operation: operation.into(),
            writer: "test".into(),
            committed_at: "2026-11-24T10:00:00Z".into(),
            add,
            remove: remove.iter().map(|p| (*p).to_owned()).collect(),
            sources: vec![],
            gaps: vec![],
        }
    }

    #[test]
    fn compacted_files_are_remembered_until_a_later_compaction_removes_them() {
        let mut h = History::default();
        h.apply(1, commit("ingest", vec![file("a", Some("s/a"))], &[]));
        h.apply(2, commit("compact", vec![file("b", Some("s/b"))], &["a"]));
        assert_eq!(h.compacted, HashSet::from(["b".to_owned()]));
        assert_eq!(h.removed_in, HashMap::from([("a".to_owned(), 2)]));
        h.apply(3, commit("compact", vec![file("c", None)], &["b"]));
        assert_eq!(h.compacted, HashSet::from(["c".to_owned()]));
        assert_eq!(h.removed_in["b"], 3);
        assert_eq!(
            h.staged,
            HashSet::from(["s/a".to_owned(), "s/b".to_owned()])
        );
        assert_eq!(h.state.version, 3);
        assert_eq!(h.last.map(|c| c.remove), Some(vec!["b".to_owned()]));
    }
}
