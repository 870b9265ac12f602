//! Emission: time slices generated in parallel, merged into one deterministic order, with late
//! and resent lines held back in a heap until their time comes.
//!
//! The run advances an hour of simulated time at a time. Worker threads generate the next
//! slice, each room into its own buffer, while the calling thread sends the previous one: it
//! sorts the slice's lines by [`Key`] (time sent, event time, room, the room's own sequence)
//! together with the waiting lines that fall due, and hands them to the sink. A late line or a
//! resent copy waits in a min-heap keyed the same way. Memory is bounded by two slices plus
//! what is waiting, never the whole run, and the order does not depend on the thread count.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::clock::{DAY, HOUR, Ms};
use crate::config::SimConfig;
use crate::estate::Room;
use crate::plan::RoomPlan;
use crate::room_stream::{Key, Lines, Pending, RoomStream};
use crate::summary::Summary;

/// How far a run has got, reported after each simulated day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Simulated days generated so far.
    pub days_done: u32,
    /// Days in the run.
    pub days: u32,
    /// Lines emitted so far.
    pub lines: u64,
    /// Bytes emitted so far (lines plus one newline each).
    pub bytes: u64,
}

/// Simulated time generated per step.
const SLICE: Ms = HOUR;

/// Where a line of a slice is: in a room's buffer, or in the list taken from the heap.
#[derive(Clone, Copy)]
enum Src {
    Room { room: u32, off: u32, len: u32 },
    Waiting(u32),
}

/// Generates the rooms' events over `window` and sends them to `sink` in emission order.
///
/// While the calling thread sends one slice, `workers` threads generate the next.
pub(crate) fn run<E>(
    rooms: &[Room],
    plans: &[RoomPlan],
    (start, end): (Ms, Ms),
    config: &SimConfig,
    workers: usize,
    sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, E> {
    let mut streams: Vec<RoomStream<'_>> = rooms
        .iter()
        .zip(plans)
        .map(|(room, plan)| {
            RoomStream::new(config.seed, room, plan, config.late, config.duplicates)
        })
        .collect();
    let per = streams.len().div_ceil(workers.max(1)).max(1);

    let mut merge = Merge {
        summary: Summary {
            rooms: rooms.len(),
            days: config.days,
            ..Summary::default()
        },
        waiting: BinaryHeap::new(),
        taken: Vec::new(),
        order: Vec::new(),
    };
    // The previous slice's lines, per room, while the next slice is generated.
    let mut ready: Vec<Lines> = streams.iter().map(|_| Lines::default()).collect();
    let mut ready_until: Option<Ms> = None;
    let mut t0 = start;
    loop {
        let next = (t0 < end).then(|| (t0, (t0 + SLICE).min(end)));
        let sent = std::thread::scope(|s| {
            if let Some((a, b)) = next {
                for chunk in streams.chunks_mut(per) {
                    s.spawn(move || chunk.iter_mut().for_each(|st| st.slice(a, b)));
                }
            }
            match ready_until {
                Some(t1) => merge.send(&mut ready, t1, sink),
                None => Ok(()),
            }
        });
        sent?;
        if let Some(t1) = ready_until
            && ((t1 - start) % DAY == 0 || t1 == end)
        {
            progress(Progress {
                days_done: ((t1 - start) / DAY) as u32,
                days: config.days,
                lines: merge.summary.lines,
                bytes: merge.summary.bytes,
            });
        }
        let Some((_, t1)) = next else { break };
        for (st, lines) in streams.iter_mut().zip(&mut ready) {
            std::mem::swap(&mut st.out.lines, lines);
        }
        ready_until = Some(t1);
        t0 = t1;
    }
    // Late lines and resent copies whose time is after the simulation.
    let mut summary = merge.finish(sink)?;
    for st in &streams {
        let c = &st.out.counts;
        for (total, n) in summary.events.iter_mut().zip(c.by_type) {
            *total += n;
        }
        summary.duplicates += c.duplicates;
        summary.late += c.late;
    }
    Ok(summary)
}

/// The calling thread's side: ordering a slice's lines with those that were waiting.
struct Merge {
    summary: Summary,
    waiting: BinaryHeap<Reverse<Pending>>,
    taken: Vec<Pending>,
    order: Vec<(Key, Src)>,
}

impl Merge {
    /// Sends the lines due before `t1`: the slice's own (in `ready`) and those waiting.
    fn send<E>(
        &mut self,
        ready: &mut [Lines],
        t1: Ms,
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.order.clear();
        for (i, lines) in ready.iter_mut().enumerate() {
            let room = i as u32;
            self.order.extend(lines.recs.iter().map(|r| {
                (
                    r.key,
                    Src::Room {
                        room,
                        off: r.off,
                        len: r.len,
                    },
                )
            }));
            self.waiting.extend(lines.pending.drain(..).map(Reverse));
        }
        self.taken.clear();
        while self
            .waiting
            .peek()
            .is_some_and(|Reverse(p)| p.key.emit < t1)
        {
            if let Some(Reverse(p)) = self.waiting.pop() {
                self.taken.push(p);
            }
        }
        self.order.extend(
            self.taken
                .iter()
                .enumerate()
                .map(|(i, p)| (p.key, Src::Waiting(i as u32))),
        );
        self.order.sort_unstable_by_key(|(key, _)| *key);
        for (_, src) in &self.order {
            let line = match *src {
                Src::Room { room, off, len } => {
                    &ready[room as usize].buf[off as usize..(off + len) as usize]
                }
                Src::Waiting(i) => self.taken[i as usize].bytes.as_slice(),
            };
            sink(line)?;
            self.summary.lines += 1;
            self.summary.bytes += line.len() as u64 + 1;
        }
        Ok(())
    }

    /// Sends everything still waiting, in order, and returns the counts.
    fn finish<E>(mut self, sink: &mut impl FnMut(&[u8]) -> Result<(), E>) -> Result<Summary, E> {
        while let Some(Reverse(p)) = self.waiting.pop() {
            sink(&p.bytes)?;
            self.summary.lines += 1;
            self.summary.bytes += p.bytes.len() as u64 + 1;
        }
        Ok(self.summary)
    }
}
