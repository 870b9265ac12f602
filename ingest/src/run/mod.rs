//! The ingest loops: Kafka ([`kafka::run`]) and NDJSON backfills ([`files::run`]) feeding one
//! [`LakeWriter`](crate::writer::LakeWriter).
//!
//! Both loops are single-threaded over the writer; the writer encodes a flush's tables on
//! parallel threads, and both loops let a flush land on a background thread while they read the
//! next batch (at most one in flight). Memory is bounded by configuration, not by the
//! input rate: the writer holds at most its flush size (plus the flush being encoded), and librdkafka's fetch queue is
//! bounded (`queued.max.messages.kbytes`); when the writer is busy, the loop stops polling and
//! the broker keeps the rest — backpressure, not buffering. A [`Shutdown`] request (SIGTERM,
//! SIGINT) makes either loop flush and commit what it holds before returning.

pub mod files;
pub mod kafka;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::kafka::KafkaError;
use crate::writer::{Flushed, WriterError};

/// A shared stop request, set by a signal handler.
#[derive(Clone, Debug, Default)]
pub struct Shutdown(Arc<AtomicBool>);

impl Shutdown {
    /// A request not yet made.
    pub fn new() -> Self {
        Shutdown::default()
    }

    /// Asks the loops to flush, commit and return.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What a run committed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Commits made.
    pub commits: u64,
    /// Files added.
    pub files: u64,
    /// Rows committed (valid rows and dead letters).
    pub rows: u64,
    /// Parquet bytes written.
    pub bytes: u64,
    /// Commits refused because another writer had moved a partition on.
    pub fenced: u64,
}

impl RunSummary {
    fn add(&mut self, flushed: &Flushed) {
        self.commits += 1;
        self.files += flushed.files.len() as u64;
        self.rows += flushed.rows();
        self.bytes += flushed.bytes();
    }
}

/// Failures of an ingest run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Kafka failed.
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    /// The lake writer failed.
    #[error(transparent)]
    Writer(#[from] WriterError),
    /// A partition continued after a gap and the run was told to stop on one (`--on-gap fail`).
    #[error(
        "partition {partition} of topic `{topic}` continues at offset {to}, but the lake stopped \
         at {from}: offsets [{from}, {to}) are no longer in Kafka (retention, compaction, deleted \
         records or transaction markers). Stopped because of --on-gap fail, after committing what \
         came before; restore the messages if they matter, or run with --on-gap record to record \
         the gap in the lake and go on"
    )]
    Gap {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// Where the lake stopped: the first missing offset.
        from: i64,
        /// The offset Kafka served: one past the last missing offset.
        to: i64,
    },
    /// A backfill file could not be read.
    #[error(
        "could not read {path}: {source}; check the path and permissions (a rerun resumes where the lake stopped)"
    )]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Logs a commit the way both loops do.
fn log_flush(flushed: &Flushed, started: std::time::Instant) {
    tracing::info!(
        version = flushed.version,
        files = flushed.files.len(),
        rows = flushed.rows(),
        bytes = flushed.bytes(),
        ms = started.elapsed().as_millis() as u64,
        "committed"
    );
}
