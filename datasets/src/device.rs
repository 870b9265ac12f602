//! The room system's heartbeat stream: every 60 s while it is up.
//!
//! Uptime rises and drops at each reboot; CPU, memory and temperature jitter around the
//! device's own baseline, rise during meetings, and memory creeps up with uptime until the
//! next restart. Sign-in flags follow the planned sign-out periods.

use roomsight_ingest::vocab::DevicePlatform;
use roomsight_ingest::{Body, Heartbeat};

use crate::call::round1;
use crate::clock::{DAY, MIN, Ms, span_at};
use crate::estate::Room;
use crate::ids::EventStream;
use crate::plan::RoomPlan;
use crate::rng::{Rng, Stream};
use crate::room_stream::Out;

/// The heartbeat generator of one room system.
pub(crate) struct HeartbeatGen {
    rng: Rng,
    next: Ms,
    base_cpu: f64,
    meeting_cpu: f64,
    base_mem: f64,
    leak_per_day: f64,
    base_temp: Option<f64>,
}

impl HeartbeatGen {
    /// A generator starting at the room system's first heartbeat.
    pub(crate) fn new(seed: u64, room: &Room, plan: &RoomPlan) -> Self {
        let mut rng = Rng::stream(seed, room.index as u64, Stream::Heartbeat);
        let windows = room.system.platform() == DevicePlatform::Windows;
        let base_cpu = if windows {
            rng.uniform(10.0, 20.0)
        } else {
            rng.uniform(16.0, 28.0)
        };
        let meeting_cpu = rng.uniform(18.0, 35.0);
        let base_mem = rng.uniform(38.0, 55.0);
        let leak_per_day = rng.uniform(0.3, 1.6);
        let base_temp = room.system.model.reports_temp.then(|| {
            if windows {
                rng.uniform(38.0, 46.0)
            } else {
                rng.uniform(34.0, 42.0)
            }
        });
        HeartbeatGen {
            rng,
            next: plan.power.first_heartbeat,
            base_cpu,
            meeting_cpu,
            base_mem,
            leak_per_day,
            base_temp,
        }
    }

    /// Writes the heartbeats due in `[t0, t1)`.
    pub(crate) fn run(&mut self, room: &Room, plan: &RoomPlan, t1: Ms, out: &mut Out) {
        let power = &plan.power;
        let platform = room.system.platform();
        while self.next < t1 {
            let t = self.next;
            self.next += MIN;
            if !power.is_up(t) {
                continue;
            }
            let in_meeting = span_at(&plan.busy, t).is_some();
            let rng = &mut self.rng;
            let mut cpu = self.base_cpu + rng.normal(0.0, 3.5);
            if in_meeting {
                cpu += self.meeting_cpu;
            }
            if rng.bernoulli(0.01) {
                cpu += rng.uniform(20.0, 50.0);
            }
            let cpu = round1(cpu.clamp(0.5, 100.0));
            let uptime = t - power.boot_at(t);
            let uptime_days = uptime as f64 / DAY as f64;
            let mem = self.base_mem
                + self.leak_per_day * uptime_days.min(30.0)
                + if in_meeting { 5.0 } else { 0.0 }
                + rng.normal(0.0, 1.2);
            let mem = round1(mem.clamp(5.0, 98.0));
            let temp_c = self
                .base_temp
                .map(|base| round1(base + cpu * 0.12 + rng.normal(0.0, 0.6)));
            let body = Body::Heartbeat(Heartbeat {
                platform,
                app_version: plan.versions.app_at(t).into(),
                os_version: plan.versions.os_at(t).into(),
                teams_signed_in: !power.teams_signed_out(t),
                exchange_signed_in: !power.exchange_signed_out(t),
                cpu_pct: cpu,
                mem_pct: mem,
                temp_c,
                uptime_s: uptime.max(0) / 1000,
            });
            out.send(room, EventStream::Heartbeat, t, body);
        }
    }
}
