//! The per-partition gauges: ownership, consumer lag and committed offset, by topic and
//! partition.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The gauges of one partition; `None` until first set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct PartitionGauges {
    pub(super) assigned: bool,
    pub(super) lag: Option<i64>,
    pub(super) committed_offset: Option<i64>,
}

/// Gauges by topic, then partition: sorted, as they are rendered. Nested maps let an update
/// look a topic up by `&str` without allocating once the partition is known.
#[derive(Debug, Default)]
pub(super) struct Partitions(Mutex<BTreeMap<String, BTreeMap<i32, PartitionGauges>>>);

impl Partitions {
    /// The map; a poisoned lock still holds valid numbers, so it is used as is.
    fn map(&self) -> MutexGuard<'_, BTreeMap<String, BTreeMap<i32, PartitionGauges>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn update(&self, topic: &str, partition: i32, f: impl FnOnce(&mut PartitionGauges)) {
        let mut map = self.map();
        if !map.contains_key(topic) {
            map.insert(topic.to_owned(), BTreeMap::new());
        }
        if let Some(partitions) = map.get_mut(topic) {
            f(partitions.entry(partition).or_default());
        }
    }

    pub(super) fn remove(&self, topic: &str, partition: i32) {
        let mut map = self.map();
        if let Some(partitions) = map.get_mut(topic) {
            partitions.remove(&partition);
            if partitions.is_empty() {
                map.remove(topic);
            }
        }
    }

    pub(super) fn get(&self, topic: &str, partition: i32) -> Option<PartitionGauges> {
        self.map().get(topic)?.get(&partition).copied()
    }

    /// Every partition's gauges, sorted by topic then partition.
    pub(super) fn snapshot(&self) -> Vec<(String, i32, PartitionGauges)> {
        self.map()
            .iter()
            .flat_map(|(topic, partitions)| {
                partitions
                    .iter()
                    .map(move |(&partition, &gauges)| (topic.clone(), partition, gauges))
            })
            .collect()
    }
}
