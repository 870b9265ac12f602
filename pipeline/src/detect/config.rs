//! Detection thresholds: the defaults of docs/incidents.md, every one configurable.

use serde::{Deserialize, Serialize};

/// The rules' thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleConfig {
    /// `device_offline`: minutes without a heartbeat from an enrolled room system.
    pub offline_minutes: u32,
    /// `peripheral_disconnected`: minutes the latest state has been `disconnected`.
    pub disconnected_minutes: u32,
    /// `signed_out`: minutes heartbeats say Teams is signed out.
    pub signed_out_minutes: u32,
    /// `update_failed`: failed or rolled-back steps for the same target and version that make
    /// the incident critical.
    pub update_failures_critical: u32,
    /// `call_quality_degraded`: the room's last this many calls.
    pub last_calls: u32,
    /// … whose poor share is at least this (0–1) …
    pub poor_share: f64,
    /// … and at least this many times both the room's and its site's share over …
    pub poor_ratio: f64,
    /// … this many days.
    pub baseline_days: u32,
    /// A call is poor above this packet loss (%).
    pub poor_loss_pct: f64,
    /// … or this jitter (ms) …
    pub poor_jitter_ms: f64,
    /// … or this round trip (ms).
    pub poor_rtt_ms: f64,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig {
            offline_minutes: 10,
            disconnected_minutes: 5,
            signed_out_minutes: 10,
            update_failures_critical: 2,
            last_calls: 20,
            poor_share: 0.25,
            poor_ratio: 3.0,
            baseline_days: 30,
            poor_loss_pct: 10.0,
            poor_jitter_ms: 30.0,
            poor_rtt_ms: 500.0,
        }
    }
}

/// Microseconds in a minute.
pub(crate) const MINUTE: i64 = 60_000_000;

impl RuleConfig {
    /// A threshold in minutes as microseconds.
    pub(crate) fn micros(minutes: u32) -> i64 {
        i64::from(minutes) * MINUTE
    }
}
