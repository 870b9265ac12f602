//! # roomsight-benches: what roomsight costs
//!
//! Criterion micro-benchmarks live in `benches/benches/` (`cargo bench -p roomsight-benches`):
//! - `validate`: contract validation throughput over a simulated fleet's events (events/s, MB/s);
//! - `simulate`: fleet simulator throughput (events/s).
//!
//! Macro benchmarks run whole jobs at fixed scales and print a Markdown table row:
//! - `src/bin/ingest_mock.rs`: Kafka ingest through librdkafka's in-process mock cluster
//!   (events/s, MiB/s, per CPU-second, peak RSS), a backlog consumed as fast as possible or a
//!   paced stream;
//! - `scripts/ingest.sh`: `roomsight ingest --file` over a simulated fleet's NDJSON.
//!
//! This library holds the fixtures they share, built outside the measured loops, and
//! [`measure`]: process CPU time and peak memory.

pub mod measure;

use chrono::NaiveDate;
use roomsight_datasets::{Fleet, SimConfig};

/// A fixed simulation: `rooms` rooms for `days` days from 2026-11-02, seed 1.
pub fn fixed_config(rooms: usize, days: u32) -> SimConfig {
    let start = NaiveDate::from_ymd_opt(2026, 11, 2).expect("a valid date");
    SimConfig::new(rooms, days, start, 1)
}

/// The event lines (no newlines) of a fixed simulation, in emission order.
pub fn event_lines(rooms: usize, days: u32) -> Vec<Vec<u8>> {
    Fleet::new(&fixed_config(rooms, days))
        .expect("the fixed config is valid")
        .lines()
}
