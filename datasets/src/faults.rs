//! Injected faults and their ground truth, and the noise every healthy peripheral has too.
//!
//! Each peripheral gets faults at the configured rate (a Poisson count over its managed time):
//! `gradual_degradation` (metrics drift for hours to days, then it fails), `intermittent_disconnects`
//! (several short drop-outs a day over a period) and `sudden_failure` (it drops out until
//! fixed). `device_offline` and `estate_outage` are planned with the room system
//! ([`crate::power`]) and `post_update_regression` with the rollouts ([`crate::updates`]).
//! Every peripheral, faulty or not, also gets the odd single short disconnect, so a detector
//! cannot win by flagging any change.

use std::fmt;

use roomsight_ingest::Timestamp;
use roomsight_ingest::vocab::PeripheralKind;

use crate::clock::{HOUR, MIN, Ms, Span, hours, merge_spans, minutes, span_at};
use crate::estate::Room;
use crate::power::{PowerPlan, Window};
use crate::rng::{Rng, Stream};

/// The kinds of injected fault, as named in `faults.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultType {
    /// A peripheral's metrics drift for hours to days, then it fails (disconnects).
    GradualDegradation,
    /// Repeated short disconnect/reconnect cycles over a period.
    IntermittentDisconnects,
    /// A firmware update made the peripheral worse until it was rolled back.
    PostUpdateRegression,
    /// An abrupt disconnect that lasts until fixed.
    SuddenFailure,
    /// The room system sends nothing for 20 minutes to hours.
    DeviceOffline,
    /// The estate's bad day: a network outage that takes most room systems offline at once for
    /// a few hours (one row per room system it took offline).
    EstateOutage,
}

impl FaultType {
    /// Every fault type.
    pub const ALL: [FaultType; 6] = [
        FaultType::GradualDegradation,
        FaultType::IntermittentDisconnects,
        FaultType::PostUpdateRegression,
        FaultType::SuddenFailure,
        FaultType::DeviceOffline,
        FaultType::EstateOutage,
    ];

    /// The name in `faults.csv`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FaultType::GradualDegradation => "gradual_degradation",
            FaultType::IntermittentDisconnects => "intermittent_disconnects",
            FaultType::PostUpdateRegression => "post_update_regression",
            FaultType::SuddenFailure => "sudden_failure",
            FaultType::DeviceOffline => "device_offline",
            FaultType::EstateOutage => "estate_outage",
        }
    }

    /// The fault type with this name, if any.
    pub fn parse(s: &str) -> Option<Self> {
        FaultType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for FaultType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One labelled fault: a row of `faults.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The faulty peripheral; `None` for `device_offline` and `estate_outage`.
    pub peripheral_id: Option<String>,
    /// The room system.
    pub device_id: String,
    /// The room.
    pub room_id: String,
    /// What kind of fault.
    pub fault_type: FaultType,
    /// When it began (drift start, first disconnect, update, outage start).
    pub start: Timestamp,
    /// When it ended (the failure, the last reconnect, the rollback or fix, the return).
    pub end: Timestamp,
}

/// A fault of one room, before ids are attached.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FaultRow {
    pub(crate) fault_type: FaultType,
    /// The peripheral's slot in its room; `None` for the room system.
    pub(crate) slot: Option<usize>,
    pub(crate) span: Span,
}

/// How a fault changes a peripheral's behaviour while it lasts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Effect {
    /// Metrics drift towards failure; progress grows from 0 at the start to 1 at the end.
    Drift,
    /// Worse metrics and more errors at a constant severity (0–1).
    Regression(f64),
    /// A flaky connection: more errors.
    Flaky,
}

/// A fault's effect over a span.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Impairment {
    pub(crate) span: Span,
    pub(crate) effect: Effect,
}

/// How impaired a peripheral is at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Condition {
    /// Drift progress towards failure, 0–1.
    pub(crate) drift: f64,
    /// Regression severity, 0–1.
    pub(crate) regression: f64,
    /// Whether the connection is flaky.
    pub(crate) flaky: bool,
}

/// What happens to one peripheral over the simulation.
#[derive(Debug, Default)]
pub(crate) struct PeripheralPlan {
    /// Periods in which it is disconnected, sorted and disjoint.
    pub(crate) disconnects: Vec<Span>,
    /// Periods in which it behaves worse.
    pub(crate) impairments: Vec<Impairment>,
    /// Its firmware over time: `(from, version)`, sorted; the first entry is from the start.
    pub(crate) firmware: Vec<(Ms, &'static str)>,
}

impl PeripheralPlan {
    /// Whether it is connected at `t`.
    pub(crate) fn connected(&self, t: Ms) -> bool {
        span_at(&self.disconnects, t).is_none()
    }

    /// The firmware it runs at `t`.
    pub(crate) fn firmware_at(&self, t: Ms) -> &'static str {
        let i = self.firmware.partition_point(|(from, _)| *from <= t);
        self.firmware[i.saturating_sub(1)].1
    }

    /// How impaired it is at `t`.
    pub(crate) fn condition(&self, t: Ms) -> Condition {
        let mut c = Condition::default();
        for imp in self.impairments.iter().filter(|i| i.span.contains(t)) {
            match imp.effect {
                Effect::Drift => {
                    let x = (t - imp.span.start) as f64 / (imp.span.end - imp.span.start) as f64;
                    c.drift = c.drift.max(x.clamp(0.0, 1.0).powf(1.6));
                }
                Effect::Regression(s) => c.regression = c.regression.max(s),
                Effect::Flaky => c.flaky = true,
            }
        }
        c
    }
}

/// Whether peripherals of this kind get injected faults and noise.
fn can_fail(kind: PeripheralKind) -> bool {
    kind != PeripheralKind::Compute
}

/// Whether the kind has metrics that can drift before a failure.
fn can_drift(kind: PeripheralKind) -> bool {
    !matches!(kind, PeripheralKind::Compute | PeripheralKind::HdmiIngest)
}

/// Plans every peripheral's faults and noise disconnects in a room; fault rows go to `rows`.
pub(crate) fn plan_peripherals(
    room: &Room,
    power: &PowerPlan,
    w: &Window,
    rows: &mut Vec<FaultRow>,
) -> Vec<PeripheralPlan> {
    let mut rng = Rng::stream(w.seed, room.index as u64, Stream::Faults);
    let life = Span::new(power.enrolled_at + 2 * HOUR, power.active_end - HOUR);
    let mut plans = Vec::with_capacity(room.peripherals.len());
    for (slot, p) in room.peripherals.iter().enumerate() {
        let mut plan = PeripheralPlan {
            firmware: vec![(i64::MIN, p.firmware.versions[p.firmware_at_start])],
            ..PeripheralPlan::default()
        };
        let mut faults: Vec<Span> = Vec::new();
        if can_fail(p.kind) && life.end > life.start {
            for _ in 0..rng.poisson(w.fault_rate * Window::weeks_of(life)) {
                let weights = [if can_drift(p.kind) { 0.35 } else { 0.0 }, 0.3, 0.35];
                let placed = match rng.weighted_index(&weights) {
                    0 => gradual(&mut rng, life, &faults, &mut plan),
                    1 => intermittent(&mut rng, life, &faults, &mut plan),
                    _ => sudden(&mut rng, life, &faults, &mut plan),
                };
                if let Some(p) = placed {
                    faults.push(p.occupied);
                    rows.push(FaultRow {
                        fault_type: p.fault_type,
                        slot: Some(slot),
                        span: p.truth,
                    });
                }
            }
            // Noise: the odd single short disconnect, away from any fault.
            let per_week = if p.kind == PeripheralKind::Display {
                0.25
            } else {
                0.15
            };
            for _ in 0..rng.poisson(per_week * Window::weeks_of(life)) {
                let len = rng.log_uniform(15_000.0, 240_000.0) as Ms;
                let start = rng.range_i64(life.start, (life.end - len).max(life.start));
                let s = Span::new(start, start + len);
                if !faults.iter().any(|f| f.overlaps(&s, HOUR)) {
                    plan.disconnects.push(s);
                }
            }
        }
        merge_spans(&mut plan.disconnects);
        plans.push(plan);
    }
    plans
}

/// A fault placed on a peripheral: its ground truth and the time it keeps for itself.
struct Placed {
    fault_type: FaultType,
    truth: Span,
    occupied: Span,
}

/// A start for a fault of length `len` inside `life`, clear of earlier faults, if one is found.
fn place(rng: &mut Rng, life: Span, len: Ms, taken: &[Span]) -> Option<Span> {
    for _ in 0..6 {
        let hi = life.end - len;
        if hi <= life.start {
            return None;
        }
        let start = rng.range_i64(life.start, hi);
        let s = Span::new(start, start + len);
        if !taken.iter().any(|t| t.overlaps(&s, 6 * HOUR)) {
            return Some(s);
        }
    }
    None
}

/// Metrics drift for 6 h – 3 days, then the peripheral fails until repaired hours later.
fn gradual(rng: &mut Rng, life: Span, taken: &[Span], plan: &mut PeripheralPlan) -> Option<Placed> {
    let room = (life.end - life.start) as f64 * 0.7;
    let drift = hours(rng.log_uniform(6.0, 72.0)).min(room as Ms);
    let repair = hours(rng.uniform(2.0, 10.0));
    if drift < 4 * HOUR {
        return None;
    }
    let whole = place(rng, life, drift + repair, taken)?;
    let fault = Span::new(whole.start, whole.start + drift);
    plan.impairments.push(Impairment {
        span: fault,
        effect: Effect::Drift,
    });
    plan.disconnects.push(Span::new(fault.end, whole.end));
    Some(Placed {
        fault_type: FaultType::GradualDegradation,
        truth: fault,
        occupied: whole,
    })
}

/// Several short disconnects a day over 8 h – 2 days.
fn intermittent(
    rng: &mut Rng,
    life: Span,
    taken: &[Span],
    plan: &mut PeripheralPlan,
) -> Option<Placed> {
    let len = hours(rng.uniform(8.0, 48.0)).min(((life.end - life.start) as f64 * 0.6) as Ms);
    if len < 3 * HOUR {
        return None;
    }
    let period = place(rng, life, len, taken)?;
    let per_hour = rng.uniform(4.0, 10.0) / 24.0;
    let mut cycles = Vec::new();
    let mut t = period.start;
    loop {
        let down = minutes(rng.log_uniform(0.7, 8.0));
        if t + down > period.end {
            break;
        }
        cycles.push(Span::new(t, t + down));
        t += down + hours(rng.exponential(1.0 / per_hour)).max(10 * MIN);
    }
    if cycles.len() < 3 {
        // Too few by chance: spread three over the period.
        cycles = (0..3)
            .map(|k| {
                let at = period.start + (period.end - period.start - 10 * MIN) * k / 3;
                Span::new(at, at + minutes(rng.log_uniform(0.7, 8.0)))
            })
            .collect();
    }
    let first = cycles[0].start;
    let last = cycles[cycles.len() - 1].end;
    plan.disconnects.extend(cycles);
    plan.impairments.push(Impairment {
        span: Span::new(first, last),
        effect: Effect::Flaky,
    });
    let truth = Span::new(first, last);
    Some(Placed {
        fault_type: FaultType::IntermittentDisconnects,
        truth,
        occupied: period,
    })
}

/// An abrupt disconnect that lasts 1–12 hours until someone fixes it.
fn sudden(rng: &mut Rng, life: Span, taken: &[Span], plan: &mut PeripheralPlan) -> Option<Placed> {
    let len = hours(rng.log_uniform(1.0, 12.0));
    let s = place(rng, life, len, taken)?;
    plan.disconnects.push(s);
    Some(Placed {
        fault_type: FaultType::SuddenFailure,
        truth: s,
        occupied: s,
    })
}
