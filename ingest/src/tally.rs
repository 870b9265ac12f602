//! Judging a whole NDJSON stream: counts per event type and per reason, and the first invalid
//! lines, using every core.
//!
//! The calling thread frames lines into batches of a few MiB; worker threads validate batches
//! and keep partial tallies that are merged at the end, so the result does not depend on
//! scheduling: counts are sums, and the sample of invalid lines is the first `samples` by line.

use std::io::BufRead;
use std::sync::{Arc, Mutex, mpsc};

use crate::error::{Error, Result};
use crate::event::MAX_MESSAGE_BYTES;
use crate::ndjson::{Frame, NdjsonReader};
use crate::reason::{Reason, Rejection};
use crate::timestamp::Timestamp;
use crate::validate::validate;
use crate::vocab::EventType;

/// One invalid line, for people to look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidLine {
    /// Physical line number, 1-based.
    pub line: u64,
    /// Why it was rejected.
    pub rejection: Rejection,
}

/// What a stream of events held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Non-blank lines judged.
    pub lines: u64,
    /// Bytes of those lines.
    pub bytes: u64,
    /// Valid events per type, indexed like [`EventType::ALL`].
    pub valid: [u64; 7],
    /// Invalid events per reason, indexed like [`Reason::ALL`].
    pub invalid: [u64; 8],
    /// The first invalid lines, by line number.
    pub samples: Vec<InvalidLine>,
}

impl Tally {
    /// Valid events in all.
    pub fn valid_total(&self) -> u64 {
        self.valid.iter().sum()
    }

    /// Invalid events in all.
    pub fn invalid_total(&self) -> u64 {
        self.invalid.iter().sum()
    }

    /// Valid events of one type.
    pub fn valid_of(&self, t: EventType) -> u64 {
        self.valid[t as usize]
    }

    /// Invalid events for one reason.
    pub fn invalid_for(&self, r: Reason) -> u64 {
        self.invalid[r as usize]
    }

    fn record(
        &mut self,
        line: u64,
        bytes: usize,
        result: Result<EventType, Rejection>,
        keep: usize,
    ) {
        self.lines += 1;
        self.bytes += bytes as u64;
        match result {
            Ok(t) => self.valid[t as usize] += 1,
            Err(rejection) => {
                self.invalid[rejection.reason as usize] += 1;
                if self.samples.len() < keep {
                    self.samples.push(InvalidLine { line, rejection });
                }
            }
        }
    }

    /// Adds another tally's counts and samples, keeping the first `keep` samples by line.
    pub fn merge(&mut self, other: Tally, keep: usize) {
        self.lines += other.lines;
        self.bytes += other.bytes;
        for (a, b) in self.valid.iter_mut().zip(other.valid) {
            *a += b;
        }
        for (a, b) in self.invalid.iter_mut().zip(other.invalid) {
            *a += b;
        }
        self.samples.extend(other.samples);
        self.samples.sort_by_key(|s| s.line);
        self.samples.truncate(keep);
    }
}

/// How to check a stream.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    /// Ingest time for the `future_ts` rule.
    pub now: Timestamp,
    /// How many invalid lines to keep as samples.
    pub samples: usize,
    /// Worker threads (at least 1).
    pub threads: usize,
}

struct Batch {
    data: Vec<u8>,
    /// (line, start, end) into `data`; `end - start > MAX_MESSAGE_BYTES` never happens here.
    lines: Vec<(u64, usize, usize)>,
    /// Oversized lines: (line, length).
    too_large: Vec<(u64, u64)>,
}

const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Validates every line of an NDJSON stream. `progress` is called with bytes read so far.
pub fn check_ndjson<R: BufRead>(
    reader: R,
    what: &str,
    options: CheckOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Tally> {
    let threads = options.threads.max(1);
    let (tx, rx) = mpsc::sync_channel::<Batch>(threads * 2);
    let rx = Arc::new(Mutex::new(rx));
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let rx = Arc::clone(&rx);
                scope.spawn(move || work(&rx, options))
            })
            .collect();
        let framed = frame_batches(reader, what, &tx, progress);
        drop(tx);
        let mut tally = Tally::default();
        for worker in workers {
            let part = worker
                .join()
                .expect("a validation worker panicked: this is a bug");
            tally.merge(part, options.samples);
        }
        framed.map(|()| tally)
    })
}

fn frame_batches<R: BufRead>(
    reader: R,
    what: &str,
    tx: &mpsc::SyncSender<Batch>,
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    let mut reader = NdjsonReader::new(reader);
    let mut batch = new_batch();
    loop {
        let frame = reader.next_frame().map_err(|source| Error::Read {
            what: what.to_string(),
            source,
        })?;
        match frame {
            None => break,
            Some(Frame::Line { line, bytes }) => {
                let start = batch.data.len();
                batch.data.extend_from_slice(bytes);
                batch.lines.push((line, start, batch.data.len()));
            }
            Some(Frame::TooLarge { line, len, .. }) => batch.too_large.push((line, len)),
        }
        if batch.data.len() >= BATCH_BYTES {
            progress(reader.bytes_read());
            if tx.send(std::mem::replace(&mut batch, new_batch())).is_err() {
                break;
            }
        }
    }
    progress(reader.bytes_read());
    let _ = tx.send(batch);
    Ok(())
}

fn new_batch() -> Batch {
    Batch {
        data: Vec::with_capacity(BATCH_BYTES + MAX_MESSAGE_BYTES),
        lines: Vec::new(),
        too_large: Vec::new(),
    }
}

fn work(rx: &Mutex<mpsc::Receiver<Batch>>, options: CheckOptions) -> Tally {
    let mut tally = Tally::default();
    loop {
        let batch = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return tally,
        };
        let Ok(batch) = batch else { return tally };
        let mut part = Tally::default();
        for &(line, len) in &batch.too_large {
            let rejection = Rejection::message(
                Reason::TooLarge,
                format!("the line is {len} bytes, over the limit of {MAX_MESSAGE_BYTES}"),
            );
            part.record(line, 0, Err(rejection), options.samples);
        }
        for &(line, start, end) in &batch.lines {
            let bytes = &batch.data[start..end];
            let result = validate(bytes, options.now).map(|e| e.event_type());
            part.record(line, bytes.len(), result, options.samples);
        }
        tally.merge(part, options.samples);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_samples_do_not_depend_on_threads() {
        let valid = r#"{"schema":"roomsight.telemetry/v1","type":"log","event_id":"e","ts":"2026-11-24T09:00:00Z","device_id":"d","room_id":"r","level":"info","source":"s","message":"m"}"#;
        let mut text = String::new();
        for i in 0..5000 {
            match i % 7 {
                0 => text.push_str("not json\n"),
                3 => text.push('\n'),
                _ => text.push_str(valid),
            }
            text.push('\n');
        }
        let now = Timestamp::from_utc(2026, 11, 25, 0, 0, 0);
        let run = |threads| {
            let options = CheckOptions {
                now,
                samples: 5,
                threads,
            };
            check_ndjson(text.as_bytes(), "test", options, &mut |_| {}).unwrap()
        };
        let one = run(1);
        assert_eq!(one, run(4));
        assert_eq!(one.invalid_for(Reason::Malformed), 715);
        assert_eq!(one.valid_of(EventType::Log), 5000 - 715 - 714);
        assert_eq!(
            one.samples.iter().map(|s| s.line).collect::<Vec<_>>(),
            [1, 10, 19, 28, 37]
        );
    }
}
