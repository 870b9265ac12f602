//! A peripheral's state stream: every 5 minutes while its room system is up, and at every
//! change (disconnect, reconnect, the room system coming back).
//!
//! Metrics jitter around the peripheral's own baseline (cohorts differ a little), with the
//! odd transient dip or error burst even when healthy. A fault's condition moves them: a drift
//! pulls the camera's frame rate and the microphone's SNR down and raises dropped frames,
//! distortion, latency and the error rate; a regression does the same at a constant severity.
//! `error_count` counts errors since the peripheral last connected: it resets to 0 on a
//! reconnect and on a reboot of the room system.
//!
//! Real telemetry is rougher than noise around a mean, and so is this (fixed per make and
//! model, see [`Quirks`]): some models report coarsely (whole frames per second, so a healthy
//! camera sits flat at 30; SNR and noise floor in 0.5 dB steps), some leave their second
//! metric out (dropped frames, noise floor, volume), and some keep their error counter at 0
//! while healthy (no benign errors at all). Every peripheral also has the odd **benign noise
//! burst** (about one every 3 days, 30–120 minutes of three times the usual jitter: a room's
//! lighting, a noisy meeting) that is no fault.

use std::borrow::Cow;

use roomsight_ingest::vocab::{Connection, PeripheralKind};
use roomsight_ingest::{Body, Metrics, PeripheralState};

use crate::call::{round1, round2};
use crate::clock::{HOUR, MIN, Ms, SEC, span_at};
use crate::estate::{Peripheral, Room};
use crate::faults::Condition;
use crate::ids::EventStream;
use crate::plan::RoomPlan;
use crate::rng::{Rng, Stream};
use crate::room_stream::Out;

/// How often a peripheral reports its state without a change.
const CADENCE: Ms = 5 * MIN;

/// The state generator of one peripheral.
pub(crate) struct PeripheralGen {
    slot: usize,
    rng: Rng,
    /// The first report; regular ones follow every [`CADENCE`].
    anchor: Ms,
    /// Delay of a report after the room system comes back.
    boot_delay: Ms,
    next_regular: Ms,
    error_count: i64,
    last_report: Ms,
    last_connected: bool,
    boot_seen: Ms,
    base: Baseline,
    quirks: Quirks,
    /// Draws for noise bursts only (a stream of their own).
    bursts: Rng,
    burst_until: Ms,
    times: Vec<Ms>,
}

/// How a model reports (fixed per make and model; see the module doc).
#[derive(Clone, Copy, Debug, Default)]
struct Quirks {
    /// Whole frames per second; SNR and noise floor in 0.5 dB steps.
    coarse: bool,
    /// The second metric (dropped frames, noise floor, volume) is not reported.
    no_second: bool,
    /// The error counter stays at 0 while the peripheral is healthy.
    quiet_errors: bool,
}

impl Quirks {
    fn of(make: &str, model: &str) -> Self {
        // FNV-1a over the make and model: stable across runs and seeds.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in make.bytes().chain([0]).chain(model.bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let h = crate::rng::mix64(h);
        Quirks {
            coarse: h.is_multiple_of(3),
            no_second: (h >> 8).is_multiple_of(4),
            quiet_errors: (h >> 16).is_multiple_of(3),
        }
    }
}

/// A peripheral's own normal: the centre of its metrics' noise.
struct Baseline {
    a: f64,
    b: f64,
    volume: f64,
    error_rate: f64,
}

impl PeripheralGen {
    /// A generator for the peripheral in `slot`.
    pub(crate) fn new(seed: u64, room: &Room, plan: &RoomPlan, slot: usize) -> Self {
        let mut rng = Rng::stream(seed, room.index as u64, Stream::Peripheral(slot as u32));
        let p = &room.peripherals[slot];
        let boot_delay = rng.range_i64(5 * SEC, 40 * SEC);
        let anchor = plan.power.first_heartbeat + boot_delay + rng.range_i64(0, CADENCE - SEC);
        let (a, b) = match p.kind {
            PeripheralKind::RoomCamera | PeripheralKind::ContentCamera => {
                (rng.uniform(29.6, 29.95), rng.uniform(0.1, 0.6))
            }
            PeripheralKind::Microphone => (rng.uniform(34.0, 42.0), rng.uniform(-66.0, -58.0)),
            PeripheralKind::Speaker | PeripheralKind::CommunicationSpeaker => {
                (0.0, rng.uniform(0.4, 1.2))
            }
            PeripheralKind::TouchConsole => (rng.uniform(35.0, 60.0), 0.0),
            PeripheralKind::Compute => (rng.uniform(35.0, 85.0), 0.0),
            PeripheralKind::Display | PeripheralKind::HdmiIngest => (rng.uniform(0.005, 0.03), 0.0),
        };
        let base = Baseline {
            a,
            b,
            volume: rng.uniform(35.0, 70.0),
            error_rate: kind_error_rate(p.kind) * p.quality,
        };
        PeripheralGen {
            slot,
            rng,
            anchor,
            boot_delay,
            next_regular: anchor,
            error_count: 0,
            last_report: anchor,
            last_connected: true,
            boot_seen: plan.power.boot_at(anchor),
            base,
            quirks: Quirks::of(p.make, p.model),
            bursts: Rng::stream(seed, room.index as u64, Stream::NoiseBurst(slot as u32)),
            burst_until: i64::MIN,
            times: Vec::new(),
        }
    }

    /// Writes the peripheral's states due in `[t0, t1)`.
    pub(crate) fn run(&mut self, room: &Room, plan: &RoomPlan, t0: Ms, t1: Ms, out: &mut Out) {
        let power = &plan.power;
        let pplan = &plan.peripherals[self.slot];
        let p = &room.peripherals[self.slot];
        self.times.clear();
        while self.next_regular < t1 {
            self.times.push(self.next_regular);
            self.next_regular += CADENCE;
        }
        let lo = pplan.disconnects.partition_point(|s| s.end < t0);
        for s in &pplan.disconnects[lo..] {
            if s.start >= t1 {
                break;
            }
            self.times.extend(
                [s.start, s.end]
                    .into_iter()
                    .filter(|t| (t0..t1).contains(t)),
            );
        }
        let lo = power
            .downs
            .partition_point(|d| d.span.end + self.boot_delay < t0);
        for d in &power.downs[lo..] {
            let back = d.span.end + self.boot_delay;
            if back >= t1 {
                break;
            }
            self.times.push(back);
        }
        self.times.retain(|&t| t >= self.anchor && power.is_up(t));
        self.times.sort_unstable();
        self.times.dedup();

        for i in 0..self.times.len() {
            let t = self.times[i];
            self.report(room, plan, p, t, out);
        }
    }

    fn report(&mut self, room: &Room, plan: &RoomPlan, p: &Peripheral, t: Ms, out: &mut Out) {
        let pplan = &plan.peripherals[self.slot];
        let boot = plan.power.boot_at(t);
        let rebooted = boot > self.boot_seen;
        if rebooted {
            self.boot_seen = boot;
            self.error_count = 0;
        }
        let connected = pplan.connected(t);
        let cond = pplan.condition(t);
        let in_meeting = span_at(&plan.busy, t).is_some();
        let rng = &mut self.rng;
        if connected && (rebooted || !self.last_connected) {
            // The first report after a reboot or a reconnect starts the count afresh.
            self.error_count = 0;
        } else if connected
            && self.quirks.quiet_errors
            && cond.drift == 0.0
            && cond.regression == 0.0
            && !cond.flaky
        {
            // A model whose counter stays at 0 while healthy.
        } else if connected {
            let hours = ((t - self.last_report).clamp(0, HOUR)) as f64 / HOUR as f64;
            let flaky = if cond.flaky { 4.0 } else { 1.0 };
            let rate = self.base.error_rate * flaky
                + cond.drift * 25.0
                + cond.regression * 6.0
                + if cond.flaky { 1.0 } else { 0.0 };
            self.error_count += rng.poisson(rate * hours) as i64;
            if rng.bernoulli(0.002) {
                self.error_count += rng.range_i64(3, 10);
            }
        } else if self.last_connected {
            self.error_count += 1; // the drop-out itself
        }
        self.last_connected = connected;
        self.last_report = t;

        let metrics = if connected {
            self.metrics(p.kind, cond, in_meeting, t)
        } else {
            Metrics::new()
        };
        let body = Body::Peripheral(PeripheralState {
            peripheral_id: p.peripheral_id.as_str().into(),
            kind: p.kind,
            make: p.make.into(),
            model: p.model.into(),
            firmware: pplan.firmware_at(t).into(),
            serial: Some(p.serial.as_str().into()),
            connection: if connected {
                Connection::Connected
            } else {
                Connection::Disconnected
            },
            optional: p.optional,
            error_count: self.error_count,
            metrics,
        });
        out.send(room, EventStream::Peripheral(self.slot), t, body);
    }

    fn metrics(
        &mut self,
        kind: PeripheralKind,
        c: Condition,
        in_meeting: bool,
        t: Ms,
    ) -> Metrics<'static> {
        if t >= self.burst_until && self.bursts.bernoulli(1.0 / 864.0) {
            self.burst_until = t + self.bursts.range_i64(30 * MIN, 120 * MIN);
        }
        let k = if t < self.burst_until { 3.0 } else { 1.0 };
        let q = self.quirks;
        let rng = &mut self.rng;
        let b = &mut self.base;
        let (p, r) = (c.drift, c.regression);
        let mut m = Metrics(Vec::with_capacity(2));
        let mut put = |name: &'static str, v: f64, second: bool| {
            if !(second && q.no_second) {
                m.0.push((Cow::Borrowed(name), v));
            }
        };
        let half_db = |x: f64| {
            if q.coarse {
                (x * 2.0).round() / 2.0
            } else {
                round1(x)
            }
        };
        match kind {
            PeripheralKind::RoomCamera | PeripheralKind::ContentCamera => {
                let dip = if rng.bernoulli(0.01) {
                    rng.uniform(3.0, 9.0)
                } else {
                    0.0
                };
                let fps = b.a + rng.normal(0.0, 0.25 * k) - p * 18.0 - r * 8.0 - dip;
                let dropped = rng.normal(b.b, 0.25 * k).abs() + p * 25.0 + r * 6.0 + dip * 0.4;
                let fps = fps.clamp(0.0, 30.0);
                put(
                    "fps",
                    if q.coarse { fps.round() } else { round1(fps) },
                    false,
                );
                put(
                    "dropped_frames_pct",
                    round2(dropped.clamp(0.0, 100.0)),
                    true,
                );
            }
            PeripheralKind::Microphone => {
                let talk = if in_meeting { 1.0 } else { 0.0 };
                let snr = b.a + rng.normal(0.0, 1.2 * k) - p * 22.0 - r * 9.0 - talk * 2.0;
                let floor = b.b + rng.normal(0.0, 1.5 * k) + talk * 7.0 + p * 15.0 + r * 6.0;
                put("snr_db", half_db(snr.clamp(-20.0, 100.0)), false);
                put("noise_floor_db", half_db(floor.clamp(-120.0, 0.0)), true);
            }
            PeripheralKind::Speaker | PeripheralKind::CommunicationSpeaker => {
                if in_meeting && rng.bernoulli(0.03) {
                    b.volume = rng.uniform(30.0, 80.0).round();
                }
                let distortion = rng.normal(b.b, 0.2 * k).abs() + p * 12.0 + r * 5.0;
                put("volume_pct", b.volume.round(), true);
                put(
                    "distortion_pct",
                    round2(distortion.clamp(0.0, 100.0)),
                    false,
                );
            }
            PeripheralKind::Display | PeripheralKind::HdmiIngest => {
                let lambda = b.a + p * 3.0 + r + if c.flaky { 2.0 } else { 0.0 };
                put("signal_errors", rng.poisson(lambda * k) as f64, false);
            }
            PeripheralKind::TouchConsole => {
                let spike = if rng.bernoulli(0.01) {
                    rng.uniform(60.0, 200.0)
                } else {
                    0.0
                };
                let latency = b.a + rng.normal(0.0, 6.0 * k) + spike + p * 400.0 + r * 120.0;
                put(
                    "touch_latency_ms",
                    round1(latency.clamp(1.0, 10_000.0)),
                    false,
                );
            }
            PeripheralKind::Compute => {
                let days = (t - self.anchor) as f64 / (24 * HOUR) as f64;
                let free = b.a - 0.2 * days + rng.normal(0.0, 0.05);
                put("disk_free_pct", round1(free.clamp(0.0, 100.0)), false);
            }
        }
        m
    }
}

/// Errors per hour of a healthy peripheral of a kind (before its model's quality factor).
fn kind_error_rate(kind: PeripheralKind) -> f64 {
    match kind {
        PeripheralKind::RoomCamera | PeripheralKind::ContentCamera => 0.05,
        PeripheralKind::Microphone => 0.03,
        PeripheralKind::Speaker | PeripheralKind::CommunicationSpeaker => 0.02,
        PeripheralKind::Display => 0.02,
        PeripheralKind::TouchConsole => 0.04,
        PeripheralKind::Compute => 0.01,
        PeripheralKind::HdmiIngest => 0.05,
    }
}
