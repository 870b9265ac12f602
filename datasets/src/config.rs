//! What to simulate: [`SimConfig`] and its validation.

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};

/// The default injected-fault rate: faults per peripheral per week (a few percent of the
/// peripherals get one in a week).
pub const DEFAULT_FAULT_RATE: f64 = 0.03;

/// The largest fleet the simulator accepts.
pub const MAX_ROOMS: usize = 100_000;

/// The longest simulation the simulator accepts, in days.
pub const MAX_DAYS: u32 = 366;

/// The settings of one simulation. The same settings always give byte-identical output.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// Number of rooms; each has one room system and its peripherals.
    pub rooms: usize,
    /// Number of simulated days.
    pub days: u32,
    /// The first simulated day; the simulation covers `[start 00:00Z, start + days 00:00Z)`.
    pub start: NaiveDate,
    /// The random seed.
    pub seed: u64,
    /// Probability that an event is sent a second time (same `event_id` and payload) a little
    /// later, like a producer retry; 0–1.
    pub duplicates: f64,
    /// Probability that an event is emitted late (minutes to a day after its `ts`), out of
    /// order; 0–1.
    pub late: f64,
    /// Injected faults per peripheral per week (`gradual_degradation`,
    /// `intermittent_disconnects`, `sudden_failure`); room systems go `device_offline` at twice
    /// this rate per device per week, and when it is positive one firmware rollout regresses
    /// (`post_update_regression`) and the estate has one bad day (`estate_outage`: most room
    /// systems offline at once for a few hours). 0 simulates a fault-free fleet (noise only).
    pub fault_rate: f64,
}

impl SimConfig {
    /// A simulation of `rooms` rooms for `days` days from `start` with `seed`, no duplicates,
    /// no late events and the default fault rate.
    pub fn new(rooms: usize, days: u32, start: NaiveDate, seed: u64) -> Self {
        SimConfig {
            rooms,
            days,
            start,
            seed,
            duplicates: 0.0,
            late: 0.0,
            fault_rate: DEFAULT_FAULT_RATE,
        }
    }

    /// Checks every setting, naming the first one out of range and what is allowed.
    pub fn validate(&self) -> Result<()> {
        let bad = |setting, reason: String| Err(Error::InvalidConfig { setting, reason });
        if self.rooms == 0 || self.rooms > MAX_ROOMS {
            return bad(
                "rooms",
                format!("must be 1–{MAX_ROOMS}, got {}", self.rooms),
            );
        }
        if self.days == 0 || self.days > MAX_DAYS {
            return bad("days", format!("must be 1–{MAX_DAYS}, got {}", self.days));
        }
        if !(1971..=9000).contains(&self.start.year()) {
            return bad(
                "start",
                format!("must be a date in the years 1971–9000, got {}", self.start),
            );
        }
        for (setting, p) in [("duplicates", self.duplicates), ("late", self.late)] {
            if !(0.0..=1.0).contains(&p) {
                return bad(
                    setting,
                    format!("is a probability and must be within 0–1, got {p}"),
                );
            }
        }
        if !(0.0..=100.0).contains(&self.fault_rate) {
            return bad(
                "fault_rate",
                format!(
                    "is faults per peripheral per week and must be within 0–100, got {}",
                    self.fault_rate
                ),
            );
        }
        Ok(())
    }
}

impl Default for SimConfig {
    /// 50 rooms for 7 days from 2026-11-02, seed 1.
    fn default() -> Self {
        let start = NaiveDate::from_ymd_opt(2026, 11, 2).expect("2026-11-02 is a date");
        SimConfig::new(50, 7, start, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(c: &SimConfig) -> Option<&'static str> {
        match c.validate() {
            Ok(()) => None,
            Err(Error::InvalidConfig { setting, .. }) => Some(setting),
            Err(other) => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn default_is_valid() {
        assert_eq!(field(&SimConfig::default()), None);
    }

    #[test]
    fn nonsense_is_named() {
        let ok = SimConfig::default();
        assert_eq!(
            field(&SimConfig {
                rooms: 0,
                ..ok.clone()
            }),
            Some("rooms")
        );
        assert_eq!(
            field(&SimConfig {
                days: 0,
                ..ok.clone()
            }),
            Some("days")
        );
        assert_eq!(
            field(&SimConfig {
                duplicates: 1.5,
                ..ok.clone()
            }),
            Some("duplicates")
        );
        assert_eq!(
            field(&SimConfig {
                late: -0.1,
                ..ok.clone()
            }),
            Some("late")
        );
        assert_eq!(
            field(&SimConfig {
                late: f64::NAN,
                ..ok.clone()
            }),
            Some("late")
        );
        assert_eq!(
            field(&SimConfig {
                fault_rate: -1.0,
                ..ok.clone()
            }),
            Some("fault_rate")
        );
        assert_eq!(
            field(&SimConfig {
                fault_rate: f64::INFINITY,
                ..ok.clone()
            }),
            Some("fault_rate")
        );
        assert_eq!(
            field(&SimConfig {
                fault_rate: 0.0,
                duplicates: 1.0,
                ..ok
            }),
            None
        );
        let msg = SimConfig {
            rooms: 0,
            ..SimConfig::default()
        }
        .validate()
        .expect_err("0 rooms is refused")
        .to_string();
        assert!(msg.contains("rooms") && msg.contains("got 0"), "{msg}");
    }
}
