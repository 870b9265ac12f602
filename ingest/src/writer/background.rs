//! A flush landing on its own thread while the writer buffers the next one.
//!
//! Validating and buffering run on the caller's thread; encoding (sort, Parquet, zstd),
//! staging and the commit are about a third of the work. With
//! [`LakeWriter::flush_in_background`] they overlap with the next batch's buffering instead of
//! stopping it, so a two-core machine keeps both cores busy.
//!
//! The protocol does not change, only when its steps happen:
//! - **At most one flush is in flight.** Starting another one, [`LakeWriter::flush`],
//!   [`LakeWriter::land`], a refresh, a discard and dropping the writer all wait for it to
//!   land first, so commits keep their order and the builders hold at most one more batch:
//!   memory stays about twice the flush size.
//! - **Offsets continue the flush in flight.** A partition's next range starts where the
//!   in-flight range ends (not at the lake's offset, which that commit has not moved yet).
//! - **A failure discards what follows it.** If the flush in flight is refused (fenced) or
//!   fails, the rows buffered since continue a range the lake does not have: they are
//!   discarded too, their ids and the failed flush's ids are forgotten, and the error is
//!   returned by the call that waited for it, so the caller continues from the lake's offsets
//!   exactly as after a failed [`LakeWriter::flush`].

use std::collections::BTreeMap;
use std::thread::JoinHandle;
use std::time::Instant;

use super::flush::Flushed;
use super::{LakeWriter, Range, WriterError};
use crate::lake::log::LakeState;

/// What the flush thread hands back: the lake state after its commit attempt (refreshed on a
/// conflict, so the caller can seek to the lake's offsets) and the commit with how many files
/// it named.
type Landed = (LakeState, Result<(Flushed, u64), WriterError>);

/// The flush in flight.
pub(super) struct InFlight {
    handle: JoinHandle<Landed>,
    /// The ranges it commits: the next range of each partition starts at their end.
    pub(super) ranges: BTreeMap<(String, i32), Range>,
    pending_ids: Vec<u64>,
    started: Instant,
}

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InFlight")
            .field("ranges", &self.ranges)
            .field("ids", &self.pending_ids.len())
            .finish_non_exhaustive()
    }
}

impl LakeWriter {
    /// Starts landing the buffer on another thread and returns at once with the commit of the
    /// previous background flush, if one was in flight (waiting for it first). The next rows
    /// buffer meanwhile. `Ok(None)` when nothing landed now. On an error — the previous flush
    /// failed — everything buffered since was discarded as well and the caller continues from
    /// the lake's offsets, as after [`LakeWriter::flush`].
    pub fn flush_in_background(&mut self) -> Result<Option<Flushed>, WriterError> {
        let landed = self.land()?;
        if self.ranges.is_empty() {
            return Ok(landed);
        }
        let job = match self.take_job() {
            Ok(job) => job,
            Err(e) => {
                self.discard();
                return Err(e);
            }
        };
        let mut state = self.state.clone();
        let handle = std::thread::Builder::new()
            .name("roomsight-flush".into())
            .spawn(move || {
                let result = job.run(&mut state);
                (state, result)
            })
            .map_err(|e| WriterError::Encode {
                table: "*",
                detail: format!("could not start the flush thread: {e}"),
            });
        let handle = match handle {
            Ok(handle) => handle,
            Err(e) => {
                self.discard();
                return Err(e);
            }
        };
        self.in_flight = Some(InFlight {
            handle,
            ranges: std::mem::take(&mut self.ranges),
            pending_ids: std::mem::take(&mut self.pending_ids),
            started: Instant::now(),
        });
        self.buffered_since = None;
        self.report_buffered();
        Ok(landed)
    }

    /// Waits for the background flush in flight, if any, and returns its commit. On an error
    /// its rows and everything buffered since are discarded (see
    /// [`LakeWriter::flush_in_background`]).
    pub fn land(&mut self) -> Result<Option<Flushed>, WriterError> {
        let Some(in_flight) = self.in_flight.take() else {
            return Ok(None);
        };
        let (state, result) = in_flight.handle.join().unwrap_or_else(|_| {
            let failed = Err(WriterError::Encode {
                table: "*",
                detail: "the flush thread panicked (a bug)".into(),
            });
            (self.state.clone(), failed)
        });
        self.state = state;
        match result {
            Ok((flushed, files)) => {
                self.files_written += files;
                self.note_own_commit(flushed.version);
                self.record_commit(&flushed, in_flight.started);
                Ok(Some(flushed))
            }
            Err(e) => {
                tracing::warn!(error = %e, "background flush failed; discarding it and what was buffered since");
                self.seen.forget(&in_flight.pending_ids);
                self.discard();
                self.after_failed_commit(&e);
                Err(e)
            }
        }
    }
}

impl Drop for LakeWriter {
    /// Never leaves a flush thread behind: waits for it (what it commits is in the lake).
    fn drop(&mut self) {
        if let Err(e) = self.land() {
            tracing::warn!(error = %e, "the last background flush failed while closing the writer");
        }
    }
}
