//! Tests of the simulator through its public API: determinism, the contract, the estate, the
//! calendar, rollouts and the injected faults as they show in the events.

#![allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]

mod calendar;
mod contract;
mod determinism;
mod faults;
mod lifecycle;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::NaiveDate;
use roomsight_datasets::{Fault, FaultType, Fleet, SimConfig};
use roomsight_ingest::Timestamp;
use serde::Deserialize;

/// One event line, with every field any type has (absent ones `None`).
#[derive(Debug, Clone, Deserialize)]
#[allow(dead_code, reason = "a field per contract field; each test reads some")]
pub(crate) struct Ev {
    #[serde(rename = "type")]
    pub(crate) ty: String,
    pub(crate) event_id: String,
    pub(crate) ts: String,
    #[serde(skip)]
    pub(crate) t: i64,
    pub(crate) device_id: String,
    pub(crate) room_id: String,
    pub(crate) platform: Option<String>,
    pub(crate) app_version: Option<String>,
    pub(crate) teams_signed_in: Option<bool>,
    pub(crate) uptime_s: Option<i64>,
    pub(crate) peripheral_id: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) make: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) firmware: Option<String>,
    pub(crate) connection: Option<String>,
    pub(crate) optional: Option<bool>,
    pub(crate) error_count: Option<i64>,
    pub(crate) metrics: Option<BTreeMap<String, f64>>,
    pub(crate) meeting_id: Option<String>,
    pub(crate) start: Option<String>,
    pub(crate) end: Option<String>,
    pub(crate) scheduled: Option<bool>,
    pub(crate) booking_id: Option<String>,
    pub(crate) participants: Option<i64>,
    pub(crate) people_count: Option<i64>,
    pub(crate) packet_loss_pct: Option<f64>,
    pub(crate) jitter_ms: Option<f64>,
    pub(crate) rtt_ms: Option<f64>,
    pub(crate) status: Option<String>,
    pub(crate) attendees: Option<i64>,
    pub(crate) update_id: Option<String>,
    pub(crate) component: Option<String>,
    pub(crate) target_id: Option<String>,
    pub(crate) from_version: Option<String>,
    pub(crate) to_version: Option<String>,
    pub(crate) ring: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) level: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) message: Option<String>,
}

impl Ev {
    pub(crate) fn metric(&self, name: &str) -> Option<f64> {
        self.metrics.as_ref().and_then(|m| m.get(name).copied())
    }
}

/// Milliseconds since the epoch of an RFC 3339 timestamp.
pub(crate) fn ms(s: &str) -> i64 {
    let t = Timestamp::parse_rfc3339(s).expect("the simulator writes RFC 3339");
    t.secs() * 1000 + i64::from(t.subsec_nanos() / 1_000_000)
}

/// A simulated run held in memory.
pub(crate) struct Sim {
    pub(crate) fleet: Fleet,
    pub(crate) lines: Vec<Vec<u8>>,
    pub(crate) events: Vec<Ev>,
}

impl Sim {
    pub(crate) fn run(config: &SimConfig) -> Sim {
        let fleet = Fleet::new(config).expect("a valid config");
        let lines = fleet.lines();
        let events = lines
            .iter()
            .map(|l| {
                let mut e: Ev = serde_json::from_slice(l).expect("every line is JSON");
                e.t = ms(&e.ts);
                e
            })
            .collect();
        Sim {
            fleet,
            lines,
            events,
        }
    }

    /// Events of one peripheral, in `ts` order.
    pub(crate) fn peripheral(&self, id: &str) -> Vec<&Ev> {
        let mut v: Vec<&Ev> = self
            .events
            .iter()
            .filter(|e| e.peripheral_id.as_deref() == Some(id))
            .collect();
        v.sort_by_key(|e| e.t);
        v
    }

    /// Events of one type, in `ts` order.
    pub(crate) fn of_type(&self, ty: &str) -> Vec<&Ev> {
        let mut v: Vec<&Ev> = self.events.iter().filter(|e| e.ty == ty).collect();
        v.sort_by_key(|e| e.t);
        v
    }

    /// Faults of one type.
    pub(crate) fn faults(&self, ty: FaultType) -> Vec<&Fault> {
        self.fleet
            .faults()
            .iter()
            .filter(|f| f.fault_type == ty)
            .collect()
    }

    /// Peripheral ids with a fault of any kind, and devices with one.
    pub(crate) fn faulty_ids(&self) -> HashMap<String, FaultType> {
        self.fleet
            .faults()
            .iter()
            .map(|f| {
                (
                    f.peripheral_id
                        .clone()
                        .unwrap_or_else(|| f.device_id.clone()),
                    f.fault_type,
                )
            })
            .collect()
    }
}

pub(crate) fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 2).expect("a date")
}

/// A small, very faulty fleet: every fault type shows, and plenty of peripherals stay healthy.
pub(crate) fn faulty() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        let mut config = SimConfig::new(14, 3, start(), 11);
        config.fault_rate = 1.5;
        Sim::run(&config)
    })
}

/// A fault-free fleet (noise only) over a daylight-saving change in Europe and the US.
pub(crate) fn healthy() -> &'static Sim {
    static SIM: OnceLock<Sim> = OnceLock::new();
    SIM.get_or_init(|| {
        let mut config = SimConfig::new(
            10,
            3,
            NaiveDate::from_ymd_opt(2026, 3, 28).expect("a date"),
            5,
        );
        config.fault_rate = 0.0;
        Sim::run(&config)
    })
}
