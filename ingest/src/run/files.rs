//! NDJSON backfills through the same path as Kafka messages.
//!
//! Each file is a source `file:<absolute path>` with one partition (0) whose offsets are line
//! indices (line number − 1). A rerun of the same file continues after the lake's offset, so
//! a backfill interrupted by a crash or a signal is finished by running it again, and a
//! finished one adds nothing.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Instant;

use super::{RunError, RunSummary, Shutdown, log_flush};
use crate::lake::rows::Origin;
use crate::ndjson::{Frame, NdjsonReader};
use crate::timestamp::Timestamp;
use crate::writer::{LakeWriter, Message};

/// Reads every file into the lake, flushing by the writer's size and age and at the end.
/// `progress` is called with the bytes read so far across all files.
pub fn run(
    paths: &[impl AsRef<Path>],
    writer: &mut LakeWriter,
    shutdown: &Shutdown,
    progress: &mut dyn FnMut(u64),
) -> Result<RunSummary, RunError> {
    let mut summary = RunSummary::default();
    let mut done_bytes = 0;
    for path in paths {
        let path = path.as_ref();
        let read_error = |source| RunError::Read {
            path: path.display().to_string(),
            source,
        };
        let absolute = std::fs::canonicalize(path).map_err(read_error)?;
        let shown = absolute.display().to_string();
        let source = format!("file:{shown}");
        let resume = writer
            .resume_offsets(&source)?
            .get(&0)
            .copied()
            .unwrap_or(0);
        if resume > 0 {
            tracing::info!(file = %shown, lines = resume, "resuming after the lines already in the lake");
        }
        let file = File::open(&absolute).map_err(read_error)?;
        let mut reader = NdjsonReader::new(BufReader::with_capacity(1 << 20, file));
        let mut next_report = 0;
        loop {
            if shutdown.requested() {
                tracing::info!("stop requested: committing what was read");
                break;
            }
            let frame = reader.next_frame().map_err(read_error)?;
            let Some(frame) = frame else { break };
            let line = match frame {
                Frame::Line { line, .. } | Frame::TooLarge { line, .. } => line,
            };
            let offset = i64::try_from(line).unwrap_or(i64::MAX) - 1;
            if offset < resume {
                continue;
            }
            let message = Message {
                source: &source,
                partition: 0,
                offset,
                origin: Origin::File { path: &shown, line },
            };
            let now = Timestamp::now();
            match frame {
                Frame::Line { bytes, .. } => writer.accept(&message, bytes, now),
                Frame::TooLarge { len, prefix, .. } => {
                    writer.accept_oversized(&message, len, prefix, now)
                }
            };
            if writer.flush_due() {
                // Encoding and committing overlap with reading the next batch.
                let started = Instant::now();
                if let Some(flushed) = writer.flush_in_background()? {
                    log_flush(&flushed, started);
                    summary.add(&flushed);
                }
            }
            if reader.bytes_read() >= next_report {
                progress(done_bytes + reader.bytes_read());
                next_report = reader.bytes_read() + (4 << 20);
            }
        }
        done_bytes += reader.bytes_read();
        progress(done_bytes);
        flush(writer, &mut summary)?;
        if shutdown.requested() {
            break;
        }
    }
    Ok(summary)
}

/// Lands the background flush in flight, then commits the rest.
fn flush(writer: &mut LakeWriter, summary: &mut RunSummary) -> Result<(), RunError> {
    let started = Instant::now();
    for flushed in [writer.land()?, writer.flush()?].into_iter().flatten() {
        log_flush(&flushed, started);
        summary.add(&flushed);
    }
    Ok(())
}
