//! A room system's life: enrollment, reboots (nightly maintenance or random), offline periods
//! (`device_offline` faults and the estate's bad day, `estate_outage`), sign-outs, and
//! unenrollment.
//!
//! While a room system is down it sends nothing, neither heartbeats nor peripheral states; a
//! reboot restarts `uptime_s`, a network outage does not.

use roomsight_ingest::vocab::DevicePlatform;

use crate::clock::{
    DAY, HOUR, MIN, Ms, SEC, Span, hours, local_date, local_ms, merge_spans, minutes, span_at,
};
use crate::estate::{Ring, Room};
use crate::faults::{FaultRow, FaultType};
use crate::rng::{Rng, Stream};
use crate::updates::{Line, Rollout};

/// The share of room systems the estate's bad day takes offline.
const ESTATE_OUTAGE_SHARE: f64 = 0.8;

/// Why a room system was not sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DownCause {
    /// The nightly maintenance restart.
    Maintenance,
    /// An unplanned restart (crash, watchdog).
    Crash,
    /// An operating-system update's restart.
    OsUpdate,
    /// An injected `device_offline` fault.
    Offline,
}

/// A period in which the room system sent nothing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Down {
    /// When it stopped and when it came back.
    pub(crate) span: Span,
    /// Why.
    pub(crate) cause: DownCause,
    /// When it booted, if it rebooted (uptime counts from here); `None` for a network outage.
    pub(crate) boot: Option<Ms>,
}

/// The plan of one room system's availability over the simulation.
#[derive(Debug)]
pub(crate) struct PowerPlan {
    /// The `enrolled` event: the device's first event.
    pub(crate) enrolled_at: Ms,
    /// The end of management: the `unenrolled` event, or the end of the simulation.
    pub(crate) active_end: Ms,
    /// Whether `active_end` is an unenrollment.
    pub(crate) unenrolls: bool,
    /// Periods without any event, sorted and disjoint.
    pub(crate) downs: Vec<Down>,
    /// The same periods as spans, for lookups.
    down_spans: Vec<Span>,
    /// Boot times, sorted: the boot before the simulation first.
    boots: Vec<Ms>,
    /// Periods in which Teams is signed out.
    pub(crate) signed_out: Vec<Span>,
    /// Periods in which the Exchange (calendar) account is signed out.
    pub(crate) exchange_out: Vec<Span>,
    /// The first heartbeat; later ones follow every 60 s.
    pub(crate) first_heartbeat: Ms,
}

/// The simulation window and the fault rate, as planning needs them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    /// First simulated instant.
    pub(crate) start: Ms,
    /// First instant after the simulation.
    pub(crate) end: Ms,
    /// Faults per peripheral per week.
    pub(crate) fault_rate: f64,
    /// The seed.
    pub(crate) seed: u64,
}

impl Window {
    /// Length in (fractional) weeks.
    pub(crate) fn weeks_of(span: Span) -> f64 {
        (span.end - span.start).max(0) as f64 / (7 * DAY) as f64
    }
}

/// The estate's bad day, when faults are on: a network outage (a core switch, the internet
/// breakout, a DNS failure) that takes most room systems offline at once for 2–4 hours. It falls
/// two days after the Teams Rooms app release for Windows (the most common room system)
/// reached its pilot ring — the first ring with enough rooms to judge it — so the update gate
/// has a good release whose rooms live through the bad day next to a concurrent control that
/// lives through it too. Without that release, the admin agent's pilot wave is used; a short
/// simulation that ends before then has it on its last day.
pub(crate) fn estate_outage(w: &Window, rollouts: &[Rollout]) -> Option<Span> {
    if w.fault_rate <= 0.0 {
        return None;
    }
    let good = |line: Line| {
        rollouts
            .iter()
            .find(move |r| r.line == line && r.regression.is_none())
    };
    let anchor =
        good(Line::TeamsApp(DevicePlatform::Windows)).or_else(|| good(Line::AdminAgent))?;
    let mut rng = Rng::stream(w.seed, u64::MAX, Stream::EstateOutage);
    let day = (anchor.ring_start[Ring::Pilot as usize] + 2 * DAY).min(w.end - DAY);
    let day = day.div_euclid(DAY) * DAY;
    let start = day + hours(rng.uniform(13.0, 16.0));
    let s = Span::new(start, start + hours(rng.uniform(2.0, 4.0)));
    (s.start > w.start + 2 * HOUR && s.end < w.end - 2 * HOUR).then_some(s)
}

impl PowerPlan {
    /// Plans a room system's availability; `unenroll` makes it leave management partway, and
    /// `outage` is the estate's bad day, if any ([`estate_outage`]). Its outages go to
    /// `offline` as fault rows (`device_offline`, `estate_outage`).
    pub(crate) fn plan(
        room: &Room,
        w: &Window,
        unenroll: bool,
        outage: Option<Span>,
        offline: &mut Vec<FaultRow>,
    ) -> Self {
        let mut rng = Rng::stream(w.seed, room.index as u64, Stream::Power);
        let enrolled_at = w.start + rng.range_i64(SEC, 20 * SEC);
        let span = w.end - w.start;
        let active_end = if unenroll {
            w.start + (span as f64 * rng.uniform(0.55, 0.8)) as Ms
        } else {
            w.end
        };
        let life = Span::new(enrolled_at, active_end);
        let initial_boot = enrolled_at - hours(rng.uniform(0.2, 12.0) * 24.0);

        // Injected outages first, so reboots make way for them: the estate's bad day, then
        // the room's own.
        let mut downs: Vec<Down> = Vec::new();
        if let Some(o) = outage {
            // Its own stream, so the rest of the room's plan draws as it would without it.
            let mut hit = Rng::stream(w.seed, room.index as u64, Stream::EstateOutage);
            let s = Span::new(o.start, o.end + hit.range_i64(0, 20 * MIN));
            if hit.bernoulli(ESTATE_OUTAGE_SHARE)
                && s.start >= enrolled_at + HOUR
                && s.end + 30 * MIN < active_end
            {
                downs.push(Down {
                    span: s,
                    cause: DownCause::Offline,
                    boot: None,
                });
                offline.push(FaultRow {
                    fault_type: FaultType::EstateOutage,
                    slot: None,
                    span: s,
                });
            }
        }
        let n_offline = rng.poisson(2.0 * w.fault_rate * Window::weeks_of(life));
        for _ in 0..n_offline {
            let len = minutes(rng.log_uniform(20.0, 360.0));
            let (lo, hi) = (enrolled_at + HOUR, active_end - len - 30 * MIN);
            if hi <= lo {
                continue;
            }
            let start = rng.range_i64(lo, hi);
            let s = Span::new(start, start + len);
            if downs.iter().any(|d| d.span.overlaps(&s, 2 * HOUR)) {
                continue;
            }
            let boot = rng
                .bernoulli(0.5)
                .then(|| s.end - rng.range_i64(30 * SEC, 90 * SEC));
            downs.push(Down {
                span: s,
                cause: DownCause::Offline,
                boot,
            });
            offline.push(FaultRow {
                fault_type: FaultType::DeviceOffline,
                slot: None,
                span: s,
            });
        }

        let windows = room.system.platform() == roomsight_ingest::vocab::DevicePlatform::Windows;
        let nightly = rng.bernoulli(if windows { 0.7 } else { 0.3 });
        let mut restarts = Vec::new();
        if nightly {
            let minute = 120 + rng.range_i64(0, 50);
            let tz = room.site.tz;
            let mut date = local_date(tz, enrolled_at);
            loop {
                let at = local_ms(tz, date, minute) + rng.range_i64(0, 120 * SEC);
                if at >= active_end {
                    break;
                }
                if at > enrolled_at + HOUR {
                    restarts.push((at, minutes(rng.uniform(2.0, 5.0)), DownCause::Maintenance));
                }
                match date.succ_opt() {
                    Some(next) => date = next,
                    None => break,
                }
            }
        }
        for _ in 0..rng.poisson(0.25 * Window::weeks_of(life)) {
            let at = rng.range_i64(enrolled_at + HOUR, active_end.max(enrolled_at + HOUR));
            restarts.push((at, minutes(rng.uniform(1.0, 4.0)), DownCause::Crash));
        }
        let mut plan = PowerPlan {
            enrolled_at,
            active_end,
            unenrolls: unenroll,
            downs,
            down_spans: Vec::new(),
            boots: vec![initial_boot],
            signed_out: Vec::new(),
            exchange_out: Vec::new(),
            first_heartbeat: enrolled_at + rng.range_i64(2 * SEC, 60 * SEC),
        };
        for (at, len, cause) in restarts {
            plan.add_restart(at, len, cause);
        }
        plan.signed_out = episodes(&mut rng, life, 0.3, 15.0, 240.0);
        plan.exchange_out = episodes(&mut rng, life, 0.15, 30.0, 480.0);
        plan.finish();
        plan
    }

    /// Adds a restart of `len` at `at` unless it would collide with another down period or
    /// fall outside management; returns whether it was added.
    pub(crate) fn add_restart(&mut self, at: Ms, len: Ms, cause: DownCause) -> bool {
        let s = Span::new(at, at + len);
        if at < self.enrolled_at + 10 * MIN
            || s.end >= self.active_end
            || self.downs.iter().any(|d| d.span.overlaps(&s, 10 * MIN))
        {
            return false;
        }
        let boot = s.end - (len / 2).min(60 * SEC);
        self.downs.push(Down {
            span: s,
            cause,
            boot: Some(boot),
        });
        self.finish();
        true
    }

    fn finish(&mut self) {
        self.downs.sort_by_key(|d| d.span.start);
        self.down_spans = self.downs.iter().map(|d| d.span).collect();
        let first = self.boots[0];
        self.boots = std::iter::once(first)
            .chain(self.downs.iter().filter_map(|d| d.boot))
            .collect();
        self.boots.sort_unstable();
    }

    /// Whether the room system sends at `t`.
    pub(crate) fn is_up(&self, t: Ms) -> bool {
        t >= self.enrolled_at && t < self.active_end && span_at(&self.down_spans, t).is_none()
    }

    /// The down period at `t`, if any.
    pub(crate) fn down_at(&self, t: Ms) -> Option<&Span> {
        span_at(&self.down_spans, t)
    }

    /// The first moment at or after `t` when the room system sends (a few seconds after it
    /// comes back), or `None` once it has left management.
    pub(crate) fn next_up(&self, t: Ms) -> Option<Ms> {
        let t = t.max(self.enrolled_at + SEC);
        let t = match self.down_at(t) {
            Some(d) => d.end + 5 * SEC,
            None => t,
        };
        (t < self.active_end).then_some(t)
    }

    /// The last boot at or before `t`.
    pub(crate) fn boot_at(&self, t: Ms) -> Ms {
        let i = self.boots.partition_point(|&b| b <= t);
        self.boots[i.saturating_sub(1)]
    }

    /// Whether Teams is signed out at `t`.
    pub(crate) fn teams_signed_out(&self, t: Ms) -> bool {
        span_at(&self.signed_out, t).is_some()
    }

    /// Whether the Exchange account is signed out at `t`.
    pub(crate) fn exchange_signed_out(&self, t: Ms) -> bool {
        span_at(&self.exchange_out, t).is_some()
    }
}

/// Random episodes at `per_week` per week, each `lo_min`–`hi_min` minutes (log-uniform).
fn episodes(rng: &mut Rng, life: Span, per_week: f64, lo_min: f64, hi_min: f64) -> Vec<Span> {
    let mut out = Vec::new();
    for _ in 0..rng.poisson(per_week * Window::weeks_of(life)) {
        let len = minutes(rng.log_uniform(lo_min, hi_min));
        let (lo, hi) = (life.start + HOUR, life.end - len - MIN);
        if hi > lo {
            let start = rng.range_i64(lo, hi);
            out.push(Span::new(start, start + len));
        }
    }
    merge_spans(&mut out);
    out
}
