//! [`Fleet`]: a planned simulation, ready to emit its events as often as asked.

use std::io::Write;

use roomsight_ingest::Timestamp;

use crate::clock::{DAY, HOUR, Ms, Span, is_weekday, local_date, local_ms, ts, utc_midnight};
use crate::config::SimConfig;
use crate::emit::{self, Progress};
use crate::error::Result;
use crate::estate::{Ring, Room, build_room};
use crate::faults::Fault;
use crate::output;
use crate::plan::{self, FleetContext, RoomPlan};
use crate::power::Window;
use crate::rng::{Rng, Stream};
use crate::summary::Summary;
use crate::updates::{self, ReleaseRow};

/// A simulated estate with everything that will happen to it planned: rooms, bookings,
/// meetings, updates, faults. Building one is cheap; [`Fleet::emit`] generates the
/// high-rate telemetry on the fly, in bounded memory, and gives the same bytes every time.
#[derive(Debug)]
pub struct Fleet {
    config: SimConfig,
    window: Window,
    rooms: Vec<Room>,
    plans: Vec<RoomPlan>,
    faults: Vec<Fault>,
    releases: Vec<ReleaseRow>,
    /// Threads that generate events; the output does not depend on it.
    workers: usize,
}

impl Fleet {
    /// Plans the simulation `config` describes; fails only when the config is invalid.
    pub fn new(config: &SimConfig) -> Result<Fleet> {
        config.validate()?;
        let start = utc_midnight(config.start);
        let window = Window {
            start,
            end: start + i64::from(config.days) * DAY,
            fault_rate: config.fault_rate,
            seed: config.seed,
        };
        let rooms: Vec<Room> = (0..config.rooms)
            .map(|i| build_room(config.seed, i))
            .collect();
        let rollouts = updates::plan_rollouts(&window, &rooms);
        let site_trouble: Vec<Vec<Span>> = (0..crate::catalog::SITES.len())
            .map(|i| site_trouble(&window, i))
            .collect();
        let unenroll = unenrollments(&window, &rooms);
        let ctx = FleetContext {
            window,
            rollouts: &rollouts,
            site_trouble: &site_trouble,
            estate_outage: crate::power::estate_outage(&window, &rollouts),
        };

        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per = rooms.len().div_ceil(workers);
        let plans: Vec<RoomPlan> = std::thread::scope(|s| {
            let handles: Vec<_> = rooms
                .chunks(per)
                .zip(unenroll.chunks(per))
                .map(|(chunk, un)| {
                    let ctx = &ctx;
                    s.spawn(move || {
                        chunk
                            .iter()
                            .zip(un)
                            .map(|(r, &u)| plan::plan_room(r, ctx, u))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("planning a room does not panic"))
                .collect()
        });

        let mut faults = Vec::new();
        for (room, plan) in rooms.iter().zip(&plans) {
            for row in &plan.faults {
                faults.push(Fault {
                    peripheral_id: row.slot.map(|s| room.peripherals[s].peripheral_id.clone()),
                    device_id: room.system.device_id.clone(),
                    room_id: room.room_id.clone(),
                    fault_type: row.fault_type,
                    start: ts(row.span.start),
                    end: ts(row.span.end),
                });
            }
        }
        faults.sort_by(|a, b| {
            (a.start, &a.room_id, &a.peripheral_id).cmp(&(b.start, &b.room_id, &b.peripheral_id))
        });
        Ok(Fleet {
            config: config.clone(),
            window,
            rooms,
            plans,
            faults,
            releases: updates::release_rows(&rollouts),
            workers,
        })
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The rooms, in `rooms.csv` order.
    pub fn rooms(&self) -> &[Room] {
        &self.rooms
    }

    /// The injected faults (ground truth), by start time.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// The first simulated instant.
    pub fn start(&self) -> Timestamp {
        ts(self.window.start)
    }

    /// The first instant after the simulation (no event has a `ts` at or after it; late and
    /// resent lines may be emitted after it).
    pub fn end(&self) -> Timestamp {
        ts(self.window.end)
    }

    /// Writes the room directory, `rooms.csv`, with the contract's header.
    pub fn rooms_csv(&self, out: impl Write) -> Result<()> {
        output::write_rooms_csv(&self.rooms, out)
    }

    /// Writes the ground truth, `faults.csv`: `peripheral_id,device_id,room_id,fault_type,start,end`.
    pub fn write_faults_csv(&self, out: impl Write) -> Result<()> {
        output::write_faults_csv(&self.faults, out)
    }

    /// The releases rolled out, in plan order (`releases.csv`): which are bad, and when each
    /// ring's wave began.
    pub fn releases(&self) -> &[ReleaseRow] {
        &self.releases
    }

    /// Writes `releases.csv`: `component,line,to_version,bad,validation_start,pilot_start,
    /// general_start,rolled_back_at` (ground truth for the update gate).
    pub fn write_releases_csv(&self, out: impl Write) -> Result<()> {
        output::write_releases_csv(&self.releases, out)
    }

    /// Every event line (no newlines) in emission order, in memory: for tests and benchmarks
    /// of small fleets (a 200-room week is 1.8 GB; stream those with [`Fleet::emit`]).
    pub fn lines(&self) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        let collect = |line: &[u8]| -> Result<(), std::convert::Infallible> {
            lines.push(line.to_vec());
            Ok(())
        };
        match self.emit(collect) {
            Ok(_) => lines,
            Err(never) => match never {},
        }
    }

    /// Generates every event and hands each line (one JSON object, no newline) to `sink`, in
    /// emission order: by time sent, which is the event's `ts` unless it is late or a resent
    /// copy (ties broken by room and then the room's own order). Stops at the sink's first error.
    pub fn emit<E>(&self, sink: impl FnMut(&[u8]) -> Result<(), E>) -> Result<Summary, E> {
        self.emit_with_progress(sink, &mut |_| {})
    }

    /// [`Fleet::emit`], calling `progress` after each simulated day.
    pub fn emit_with_progress<E>(
        &self,
        mut sink: impl FnMut(&[u8]) -> Result<(), E>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Summary, E> {
        let mut summary = emit::run(
            &self.rooms,
            &self.plans,
            (self.window.start, self.window.end),
            &self.config,
            self.workers,
            &mut sink,
            progress,
        )?;
        for f in &self.faults {
            summary.faults[f.fault_type as usize] += 1;
        }
        Ok(summary)
    }
}

/// When a site's network makes calls poor: on about one working day in twelve, a few hours.
fn site_trouble(w: &Window, site: usize) -> Vec<Span> {
    let mut rng = Rng::stream(w.seed, site as u64, Stream::SiteNetwork);
    let tz = crate::catalog::SITES[site].tz;
    let mut out = Vec::new();
    let mut date = local_date(tz, w.start);
    while date <= local_date(tz, w.end) {
        if is_weekday(date) && rng.bernoulli(0.08) {
            let start = local_ms(tz, date, rng.range_i64(9 * 60, 14 * 60));
            out.push(Span::new(
                start,
                start + (rng.uniform(2.0, 5.0) * HOUR as f64) as Ms,
            ));
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    out
}

/// Which rooms leave management partway: about one in a hundred, and at least one in a fleet
/// of three or more (the last general-ring room).
fn unenrollments(w: &Window, rooms: &[Room]) -> Vec<bool> {
    let mut out: Vec<bool> = rooms
        .iter()
        .map(|r| {
            r.index >= 2 && Rng::stream(w.seed, r.index as u64, Stream::Lifecycle).bernoulli(0.01)
        })
        .collect();
    if rooms.len() >= 3 && !out.contains(&true) {
        let last = rooms
            .iter()
            .rposition(|r| r.ring == Ring::General)
            .unwrap_or(rooms.len() - 1);
        out[last] = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_does_not_depend_on_the_number_of_threads() {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).expect("a date");
        let mut config = SimConfig::new(7, 1, start, 3);
        config.late = 0.05;
        config.duplicates = 0.05;
        let mut fleet = Fleet::new(&config).expect("a valid config");
        fleet.workers = 1;
        let one = fleet.lines();
        fleet.workers = 3;
        assert!(one == fleet.lines());
        fleet.workers = 16;
        assert!(one == fleet.lines());
    }

    #[test]
    fn a_failing_sink_stops_the_run() {
        let fleet = Fleet::new(&SimConfig::new(
            2,
            1,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 2).expect("a date"),
            1,
        ))
        .expect("a valid config");
        let mut n = 0;
        let result = fleet.emit(|_| {
            n += 1;
            if n == 10 { Err("full") } else { Ok(()) }
        });
        assert_eq!(result, Err("full"));
        assert_eq!(n, 10);
    }
}
