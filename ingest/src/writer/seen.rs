//! The event ids recently landed, so a producer's resend is counted once.
//!
//! Ids are kept as 64-bit SipHash values (fixed keys; hashes are never stored, only compared) in
//! a set bounded by a FIFO: the oldest id is forgotten when the set is full. At the default 2M
//! ids the set costs about 50 MiB and the chance that two distinct ids among them collide is
//! about 1 in 10^7. Resends older than the window are still removed by `roomsight compact`,
//! which deduplicates whole partitions.

use std::collections::{HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};

/// The hash of an event id.
pub fn id_hash(event_id: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    event_id.hash(&mut hasher);
    hasher.finish()
}

/// A bounded set of recently seen event-id hashes.
#[derive(Debug)]
pub struct SeenIds {
    set: HashSet<u64>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl SeenIds {
    /// An empty set remembering at most `capacity` ids (at least 1).
    pub fn new(capacity: usize) -> Self {
        SeenIds {
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Records `hash`; `false` if it was already there (a resend).
    pub fn insert(&mut self, hash: u64) -> bool {
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }

    /// Forgets ids that did not land after all (their batch was discarded).
    pub fn forget(&mut self, hashes: &[u64]) {
        for hash in hashes {
            self.set.remove(hash);
        }
        let set = &self.set;
        self.order.retain(|h| set.contains(h));
    }

    /// Whether `hash` is remembered.
    pub fn contains(&self, hash: u64) -> bool {
        self.set.contains(&hash)
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The most ids remembered.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resend_is_seen_and_the_oldest_id_is_forgotten_when_full() {
        let mut seen = SeenIds::new(2);
        assert!(seen.insert(id_hash("a")));
        assert!(!seen.insert(id_hash("a")));
        assert!(seen.insert(id_hash("b")));
        assert!(seen.insert(id_hash("c")));
        assert!(!seen.contains(id_hash("a")));
        assert!(seen.contains(id_hash("b")) && seen.contains(id_hash("c")));
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn forgotten_ids_count_as_new_again() {
        let mut seen = SeenIds::new(10);
        let ids: Vec<u64> = ["x", "y", "z"].iter().map(|s| id_hash(s)).collect();
        for &h in &ids {
            seen.insert(h);
        }
        seen.forget(&ids[1..]);
        assert!(seen.contains(ids[0]));
        assert!(seen.insert(ids[1]));
        assert!(seen.insert(ids[2]));
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn hashes_are_stable_across_runs() {
        // SipHash-1-3 with zero keys: a fixed value, so every process agrees.
        assert_eq!(id_hash("evt-1"), id_hash("evt-1"));
        assert_ne!(id_hash("evt-1"), id_hash("evt-2"));
    }
}
