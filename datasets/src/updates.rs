//! Update rollouts, ring by ring: `validation` first, `pilot` days later, then `general`.
//!
//! The fleet plans which versions roll out and when each ring starts ([`plan_rollouts`]); each
//! room then plans its own steps (`scheduled` → `started` → `succeeded`, sometimes `failed` and
//! retried the next night, sometimes `rolled_back`) in its local maintenance window, and the
//! versions its heartbeats and peripherals report change when a step succeeds. When faults are
//! on, one firmware release is bad: it reaches validation and pilot, makes the peripherals that
//! took it worse (metrics regress, and they drop off for 10–40 minutes about once a day) and is
//! rolled back before it reaches general (`post_update_regression` in `faults.csv`; the release
//! itself is named in `releases.csv`, see [`ReleaseRow`]).
//!
//! A peripheral drops off while its firmware installs: usually for a minute or two, but about
//! one update in three keeps it away 6–15 minutes, into the 10 minutes after the step ends. Those
//! are not faults: detection must not page for them (the update's implicit maintenance window).

use roomsight_ingest::vocab::{DevicePlatform, LogLevel, UpdateComponent, UpdateStatus};

use crate::catalog::{self, ADMIN_AGENT, PARTNER_AGENT, PERIPHERALS, SYSTEMS};
use crate::clock::{DAY, HOUR, MIN, Ms, SEC, Span, hours, local_date, local_ms, minutes};
use crate::estate::{Ring, Room};
use crate::faults::{Effect, FaultRow, FaultType, Impairment, PeripheralPlan};
use crate::plan::{OneOff, Target, Timed, Versions};
use crate::power::{DownCause, PowerPlan, Window};
use crate::rng::{Rng, Stream};

/// What a rollout applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// The Teams Rooms app of one platform.
    TeamsApp(DevicePlatform),
    /// The operating system of one platform.
    Os(DevicePlatform),
    /// The admin agent, everywhere.
    AdminAgent,
    /// The OEM partner agent on Android.
    PartnerAgent,
    /// Peripheral firmware of one make and model.
    Firmware(&'static str, &'static str),
}

/// One version rolled out to the fleet.
#[derive(Debug)]
pub(crate) struct Rollout {
    pub(crate) component: UpdateComponent,
    pub(crate) line: Line,
    pub(crate) to: &'static str,
    /// When each ring's wave begins, in [`Ring::ALL`] order.
    pub(crate) ring_start: [Ms; 3],
    /// For the bad release: when it is rolled back, and how much worse it makes things.
    pub(crate) regression: Option<(Ms, f64)>,
}

/// One rollout as `releases.csv` lists it: what was released, when each ring's wave began, and
/// whether it is the bad release the simulator injected.
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseRow {
    /// The update component (`firmware`, `teams_app`, …).
    pub component: &'static str,
    /// The line it applies to, spelled as the reports spell it: the platform for the app and
    /// the OS, `make model` for firmware, the component for the agents.
    pub line: String,
    /// The version released.
    pub to_version: &'static str,
    /// When each ring's wave began (`validation`, `pilot`, `general`); `None` for a ring it
    /// never reached.
    pub ring_start: [Option<roomsight_ingest::Timestamp>; 3],
    /// Whether it is a bad release (raises its peripherals' failure rate).
    pub bad: bool,
    /// When a bad release was rolled back.
    pub rolled_back_at: Option<roomsight_ingest::Timestamp>,
}

/// The releases of `rollouts`, for `releases.csv`.
pub(crate) fn release_rows(rollouts: &[Rollout]) -> Vec<ReleaseRow> {
    rollouts
        .iter()
        .map(|r| {
            let line = match r.line {
                Line::TeamsApp(p) | Line::Os(p) => p.as_str().to_owned(),
                Line::AdminAgent | Line::PartnerAgent => r.component.as_str().to_owned(),
                Line::Firmware(make, model) => format!("{make} {model}"),
            };
            let reached = |i: usize| !(r.regression.is_some() && Ring::ALL[i] == Ring::General);
            ReleaseRow {
                component: r.component.as_str(),
                line,
                to_version: r.to,
                ring_start: [0, 1, 2]
                    .map(|i| reached(i).then(|| crate::clock::ts(r.ring_start[i]))),
                bad: r.regression.is_some(),
                rolled_back_at: r.regression.map(|(at, _)| crate::clock::ts(at)),
            }
        })
        .collect()
}

/// Plans the fleet's rollouts; one firmware release regresses when faults are on.
pub(crate) fn plan_rollouts(w: &Window, rooms: &[Room]) -> Vec<Rollout> {
    let mut rng = Rng::stream(w.seed, 0, Stream::Rollouts);
    let span = (w.end - w.start) as f64;
    // A ring's wave starts at least a day after the previous one, so each ring's local
    // maintenance night (within a day of its wave) comes after the previous ring's.
    let gap = ((span * 0.22) as Ms).max(DAY + HOUR);
    let wave = |rng: &mut Rng| {
        let first = w.start + (span * rng.uniform(0.05, 0.2)) as Ms;
        [first, first + gap, first + 2 * gap]
    };
    let mut out = Vec::new();
    for platform in [DevicePlatform::Windows, DevicePlatform::Android] {
        if let Some(to) = catalog::teams_app_line(platform).next {
            let ring_start = wave(&mut rng);
            out.push(Rollout {
                component: UpdateComponent::TeamsApp,
                line: Line::TeamsApp(platform),
                to,
                ring_start,
                regression: None,
            });
        }
    }
    if let Some(to) = catalog::os_line(DevicePlatform::Windows, "").next {
        let ring_start = wave(&mut rng);
        out.push(Rollout {
            component: UpdateComponent::OperatingSystem,
            line: Line::Os(DevicePlatform::Windows),
            to,
            ring_start,
            regression: None,
        });
    }
    for (component, line, next) in [
        (
            UpdateComponent::AdminAgent,
            Line::AdminAgent,
            ADMIN_AGENT.next,
        ),
        (
            UpdateComponent::PartnerAgent,
            Line::PartnerAgent,
            PARTNER_AGENT.next,
        ),
    ] {
        if let Some(to) = next {
            let ring_start = wave(&mut rng);
            out.push(Rollout {
                component,
                line,
                to,
                ring_start,
                regression: None,
            });
        }
    }

    // Firmware: every line with a new release, deduplicated by make and model.
    let mut lines: Vec<(&'static str, &'static str, &'static str)> = Vec::new();
    let bars = SYSTEMS.iter().filter_map(|s| {
        s.bar_firmware
            .and_then(|f| f.next)
            .map(|n| (s.make, s.model, n))
    });
    let separate = PERIPHERALS
        .iter()
        .filter_map(|m| m.firmware.next.map(|n| (m.make, m.model, n)));
    for l in bars.chain(separate) {
        if !lines.iter().any(|x| x.0 == l.0 && x.1 == l.1) {
            lines.push(l);
        }
    }
    // The bad release: a line with peripherals in the early rings that will take it.
    let early = |make: &str, model: &str| -> f64 {
        rooms
            .iter()
            .filter(|r| r.ring != Ring::General)
            .flat_map(|r| r.peripherals.iter())
            .filter(|p| p.make == make && p.model == model && p.firmware.next.is_some())
            .count() as f64
    };
    let weights: Vec<f64> = lines
        .iter()
        .map(|(make, model, _)| early(make, model))
        .collect();
    let drawn = (w.fault_rate > 0.0 && weights.iter().any(|&x| x > 0.0))
        .then(|| rng.weighted_index(&weights));
    // A fleet large enough to judge a release in its early rings gets its bad release where
    // they can: the line with the most early-ring peripherals, once that is 5 or more (the
    // update gate's minimum). The draw above is made either way, so the rest of the plan stays.
    let most = weights
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
        .filter(|(_, n)| **n >= 5.0)
        .map(|(i, _)| i);
    let bad = drawn.map(|d| most.unwrap_or(d));
    for (i, (make, model, to)) in lines.into_iter().enumerate() {
        let ring_start = wave(&mut rng);
        let regression =
            (bad == Some(i)).then(|| (ring_start[1] + gap / 2, rng.uniform(0.35, 0.7)));
        if regression.is_none() && !rng.bernoulli(0.75) {
            continue;
        }
        out.push(Rollout {
            component: UpdateComponent::Firmware,
            line: Line::Firmware(make, model),
            to,
            ring_start,
            regression,
        });
    }
    out
}

/// What a room's update planning changes.
pub(crate) struct RoomUpdates<'a> {
    pub(crate) power: &'a mut PowerPlan,
    pub(crate) peripherals: &'a mut [PeripheralPlan],
    pub(crate) versions: &'a mut Versions,
    pub(crate) out: &'a mut Vec<Timed>,
    pub(crate) faults: &'a mut Vec<FaultRow>,
}

const ERRORS: &[&str] = &[
    "download timed out after 3 retries",
    "0x80070005: access denied while staging the package",
    "insufficient disk space for the update package",
    "device busy: a meeting was in progress",
    "signature verification failed",
];

/// Plans one room's update steps for every rollout that applies to it.
pub(crate) fn plan_room(room: &Room, w: &Window, rollouts: &[Rollout], mut ru: RoomUpdates<'_>) {
    let mut rng = Rng::stream(w.seed, room.index as u64, Stream::Updates);
    let mut effects = Rng::stream(w.seed, room.index as u64, Stream::UpdateEffects);
    let platform = room.system.platform();
    let ring = room.ring as usize;
    for (ri, rollout) in rollouts.iter().enumerate() {
        let targets: Vec<Target> = match rollout.line {
            Line::TeamsApp(p) | Line::Os(p) if p == platform => vec![Target::Device],
            Line::AdminAgent => vec![Target::Device],
            Line::PartnerAgent if platform == DevicePlatform::Android => vec![Target::Device],
            Line::Firmware(make, model) => (0..room.peripherals.len())
                .filter(|&s| room.peripherals[s].make == make && room.peripherals[s].model == model)
                .map(Target::Peripheral)
                .collect(),
            _ => Vec::new(),
        };
        if targets.is_empty() || (rollout.regression.is_some() && room.ring == Ring::General) {
            continue;
        }
        let wave = rollout.ring_start[ring];
        let tz = room.site.tz;
        let mut night = local_ms(tz, local_date(tz, wave), 60 + rng.range_i64(0, 240));
        if night < wave {
            night = local_ms(tz, local_date(tz, wave + DAY), 60 + rng.range_i64(0, 240));
        }
        if night >= ru.power.active_end - HOUR {
            continue;
        }
        for (k, target) in targets.into_iter().enumerate() {
            let from = match target {
                Target::Device => current(rollout, ru.versions, night, &mut rng),
                Target::Peripheral(slot) => ru.peripherals[slot].firmware_at(night),
            };
            if from == rollout.to {
                continue;
            }
            let target_id = match target {
                Target::Device => room.system.device_id.as_str(),
                Target::Peripheral(slot) => room.peripherals[slot].peripheral_id.as_str(),
            };
            let scheduled = (wave - hours(rng.uniform(1.0, 6.0)))
                .max(ru.power.enrolled_at + MIN)
                .min(night - MIN);
            let mut step = Step {
                rollout,
                ri,
                target,
                from,
                ring: room.ring,
                attempt: 1,
                target_id,
            };
            push(
                ru.out,
                ru.power,
                scheduled,
                step.event(UpdateStatus::Scheduled, None),
            );
            let mut start = night + (k as Ms) * rng.range_i64(20 * SEC, 90 * SEC);
            while let Some(started) = ru.power.next_up(start) {
                push(
                    ru.out,
                    ru.power,
                    started,
                    step.event(UpdateStatus::Started, None),
                );
                let roll = if rollout.regression.is_some() {
                    1.0
                } else {
                    rng.f64()
                };
                let done = started + minutes(rng.uniform(8.0, 25.0));
                if roll < 0.04 {
                    let error = *rng.choose(ERRORS);
                    push(
                        ru.out,
                        ru.power,
                        done,
                        step.event(UpdateStatus::Failed, Some(error)),
                    );
                    let msg = format!(
                        "Update of {} to {} failed: {error}",
                        step.component_name(),
                        rollout.to
                    );
                    push(
                        ru.out,
                        ru.power,
                        done + SEC,
                        OneOff::log(LogLevel::Error, "admin_agent", msg),
                    );
                    start += DAY;
                    step.attempt += 1;
                    if step.attempt > 2 || start >= ru.power.active_end - HOUR {
                        break;
                    }
                    continue;
                }
                if roll < 0.06 {
                    let error = "post-install health check failed; previous version restored";
                    push(
                        ru.out,
                        ru.power,
                        done,
                        step.event(UpdateStatus::RolledBack, Some(error)),
                    );
                    break;
                }
                if done >= ru.power.active_end {
                    break;
                }
                let msg = format!("Installing {} {}", step.component_name(), rollout.to);
                push(
                    ru.out,
                    ru.power,
                    started + SEC,
                    OneOff::log(LogLevel::Info, "admin_agent", msg),
                );
                push(
                    ru.out,
                    ru.power,
                    done,
                    step.event(UpdateStatus::Succeeded, None),
                );
                let times = Span::new(started, done);
                apply(&mut rng, &mut effects, room, rollout, &step, times, &mut ru);
                break;
            }
        }
    }
}

/// The version a room system runs on a device-level line at `t`.
fn current(rollout: &Rollout, versions: &Versions, t: Ms, rng: &mut Rng) -> &'static str {
    match rollout.line {
        Line::TeamsApp(_) => versions.app_at(t),
        Line::Os(_) => versions.os_at(t),
        Line::PartnerAgent => PARTNER_AGENT.versions[0],
        _ => ADMIN_AGENT.versions[rng.index(ADMIN_AGENT.versions.len())],
    }
}

/// One target's steps of one rollout.
struct Step<'r> {
    rollout: &'r Rollout,
    ri: usize,
    target: Target,
    target_id: &'r str,
    from: &'static str,
    ring: Ring,
    attempt: u32,
}

impl Step<'_> {
    fn component_name(&self) -> &'static str {
        self.rollout.component.as_str()
    }

    fn event(&self, status: UpdateStatus, error: Option<&'static str>) -> OneOff {
        OneOff::Update {
            update_id: format!("upd-{}-{}-{}", self.ri + 1, self.target_id, self.attempt),
            component: self.rollout.component,
            target: self.target,
            from: self.from,
            to: self.rollout.to,
            ring: self.ring,
            status,
            error,
        }
    }
}

/// Pushes a one-off at the first moment the room system is up from `t`.
fn push(out: &mut Vec<Timed>, power: &PowerPlan, t: Ms, item: OneOff) {
    if let Some(ts) = power.next_up(t) {
        out.push(Timed { ts, item });
    }
}

/// What a succeeded step (`times`: started → succeeded) changes: versions, a restart, a
/// firmware reconnect, a regression.
fn apply(
    rng: &mut Rng,
    effects: &mut Rng,
    room: &Room,
    rollout: &Rollout,
    step: &Step<'_>,
    times: Span,
    ru: &mut RoomUpdates<'_>,
) {
    let done = times.end;
    match (rollout.line, step.target) {
        (Line::TeamsApp(_), _) => ru.versions.app.push((done, rollout.to)),
        (Line::Os(_), _) => {
            ru.versions.os.push((done, rollout.to));
            ru.power
                .add_restart(done - 5 * MIN, 4 * MIN, DownCause::OsUpdate);
        }
        (Line::Firmware(..), Target::Peripheral(slot)) => {
            let plan = &mut ru.peripherals[slot];
            plan.firmware.push((done, rollout.to));
            // Flashing: the peripheral drops off before the step succeeds, for 40–150 s, or
            // (a third of updates) for 6–15 minutes of which up to 5 fall after the step
            // ended; then it re-enumerates up to twice more (10–60 s each) within 8 minutes of
            // it. All of it inside the update's own implicit maintenance window (its end plus
            // 10 minutes): noise for detection to honour, not a fault.
            let brief = rng.range_i64(40 * SEC, 150 * SEC);
            let away = if effects.bernoulli(0.35) {
                let len = minutes(effects.uniform(6.0, 15.0));
                let after = effects.range_i64(0, 5 * MIN).min(len);
                Span::new((done + after - len).max(times.start + SEC), done + after)
            } else {
                Span::new(done - brief, done)
            };
            plan.disconnects.push(away);
            for _ in 0..effects.range_i64(0, 2) {
                let at = done + effects.range_i64(30 * SEC, 8 * MIN);
                plan.disconnects
                    .push(Span::new(at, at + effects.range_i64(10 * SEC, 60 * SEC)));
            }
            if let Some((fix_at, severity)) = rollout.regression {
                let fixed = (fix_at + hours(rng.uniform(0.0, 3.0))).max(done + 6 * HOUR);
                let end = fixed.min(ru.power.active_end - MIN);
                plan.impairments.push(Impairment {
                    span: Span::new(done, end),
                    effect: Effect::Regression(severity),
                });
                // The bad release makes the part fail: it drops off for 10–40 minutes about
                // once a day while it runs the release.
                let mut at = done + 30 * MIN + hours(effects.uniform(0.0, 18.0));
                while at < end {
                    let len = minutes(effects.uniform(10.0, 40.0));
                    plan.disconnects.push(Span::new(at, (at + len).min(end)));
                    at += hours(effects.uniform(12.0, 36.0));
                }
                ru.faults.push(FaultRow {
                    fault_type: FaultType::PostUpdateRegression,
                    slot: Some(slot),
                    span: Span::new(done, end),
                });
                if fixed < ru.power.active_end {
                    let error =
                        "rolled back: vendor advisory on this firmware (quality regression)";
                    push(
                        ru.out,
                        ru.power,
                        fixed,
                        step.event(UpdateStatus::RolledBack, Some(error)),
                    );
                    plan.firmware.push((fixed, step.from));
                    plan.disconnects
                        .push(Span::new(fixed, fixed + rng.range_i64(40 * SEC, 150 * SEC)));
                }
                let p = &room.peripherals[slot];
                let msg = format!(
                    "{} {} reports degraded quality since firmware {}",
                    p.make, p.model, rollout.to
                );
                push(
                    ru.out,
                    ru.power,
                    done + hours(rng.uniform(1.0, 4.0)),
                    OneOff::log(LogLevel::Warning, "admin_agent", msg),
                );
            }
            plan.firmware.sort_by_key(|(t, _)| *t);
            crate::clock::merge_spans(&mut plan.disconnects);
        }
        _ => {}
    }
}
