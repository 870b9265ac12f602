//! The flush-latency histogram: fixed buckets, counted under a mutex held for a few
//! instructions, so a scrape always sees a count, a sum and buckets that agree.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// The upper bounds, in seconds, of the `roomsight_ingest_flush_seconds` buckets (`+Inf` is
/// implied): from a small flush of one table to a slow object store.
pub const FLUSH_BUCKETS: [f64; 11] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// A copy of the flush histogram at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlushHistogram {
    /// Observations at or below each bound of [`FLUSH_BUCKETS`], cumulative as Prometheus
    /// counts them; the `+Inf` bucket is `count`.
    pub cumulative: [u64; FLUSH_BUCKETS.len()],
    /// Observations in all.
    pub count: u64,
    /// The sum of the observations, in seconds.
    pub sum: f64,
}

/// The histogram's state: observations per bucket (not cumulative), beyond the last bound,
/// and their sum.
#[derive(Debug, Default)]
struct State {
    buckets: [u64; FLUSH_BUCKETS.len()],
    overflow: u64,
    sum: f64,
}

/// A histogram over [`FLUSH_BUCKETS`].
#[derive(Debug, Default)]
pub(super) struct Histogram(Mutex<State>);

impl Histogram {
    pub(super) fn new() -> Self {
        Histogram::default()
    }

    /// The state; a panic elsewhere while holding the lock cannot leave plain numbers invalid,
    /// so a poisoned lock is used as is.
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one observation; negative and NaN values are ignored.
    pub(super) fn observe(&self, value: f64) {
        if value.is_nan() || value < 0.0 {
            return;
        }
        let bucket = FLUSH_BUCKETS.iter().position(|&bound| value <= bound);
        let mut state = self.state();
        match bucket {
            Some(i) => state.buckets[i] += 1,
            None => state.overflow += 1,
        }
        state.sum += value;
    }

    pub(super) fn snapshot(&self) -> FlushHistogram {
        let (buckets, overflow, sum) = {
            let state = self.state();
            (state.buckets, state.overflow, state.sum)
        };
        let mut cumulative = [0; FLUSH_BUCKETS.len()];
        let mut running = 0;
        for (c, n) in cumulative.iter_mut().zip(buckets) {
            running += n;
            *c = running;
        }
        FlushHistogram {
            cumulative,
            count: running + overflow,
            sum,
        }
    }
}
