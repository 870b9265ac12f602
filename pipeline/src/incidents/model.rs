//! What an incident is made of: its kind, severity, state and origin, the events that record
//! every change, and the observations detection hands to the lifecycle.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The name used in the lake, the feed and on the command line.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownName {
                        what: stringify!($name),
                        name: s.to_string(),
                        expected: $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

/// A name that is not one of an enumeration's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a known {what}: expected one of {expected}")]
pub struct UnknownName {
    /// Which enumeration.
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The names accepted.
    pub expected: String,
}

string_enum! {
    /// The kinds of incident of docs/incidents.md.
    Kind {
        /// No heartbeat from an enrolled room system for 10 minutes.
        DeviceOffline = "device_offline",
        /// A peripheral's latest state has been `disconnected` for 5 minutes.
        PeripheralDisconnected = "peripheral_disconnected",
        /// Heartbeats say Teams is signed out for 10 minutes.
        SignedOut = "signed_out",
        /// An update step failed or was rolled back.
        UpdateFailed = "update_failed",
        /// The anomaly model scores the peripheral as degrading.
        PeripheralDegrading = "peripheral_degrading",
        /// The room's poor-call share is far above its own and its site's.
        CallQualityDegraded = "call_quality_degraded",
    }
}

impl Kind {
    /// The ServiceNow category: `hardware` for device and peripheral kinds, `software` for
    /// updates, sign-in and call quality.
    pub fn category(self) -> &'static str {
        match self {
            Kind::DeviceOffline | Kind::PeripheralDisconnected | Kind::PeripheralDegrading => {
                "hardware"
            }
            Kind::SignedOut | Kind::UpdateFailed | Kind::CallQualityDegraded => "software",
        }
    }

    /// The severity of docs/incidents.md when detection or a person says no more: critical for
    /// outages, warning for degradation and failed updates.
    pub fn default_severity(self) -> Severity {
        match self {
            Kind::DeviceOffline | Kind::PeripheralDisconnected | Kind::SignedOut => {
                Severity::Critical
            }
            Kind::UpdateFailed | Kind::PeripheralDegrading | Kind::CallQualityDegraded => {
                Severity::Warning
            }
        }
    }

    /// A short human description, for ticket titles.
    pub fn title(self) -> &'static str {
        match self {
            Kind::DeviceOffline => "room system offline",
            Kind::PeripheralDisconnected => "peripheral disconnected",
            Kind::SignedOut => "Teams signed out",
            Kind::UpdateFailed => "update failed",
            Kind::PeripheralDegrading => "peripheral degrading",
            Kind::CallQualityDegraded => "call quality degraded",
        }
    }
}

string_enum! {
    /// How urgent an incident is.
    Severity {
        /// Meetings are failing or about to.
        Critical = "critical",
        /// Something needs attention.
        Warning = "warning",
    }
}

string_enum! {
    /// Where an incident is in its life.
    State {
        /// The condition holds, or cleared less than 15 minutes ago.
        Open = "open",
        /// The condition has been clear for 15 minutes; may reopen within 60 minutes.
        Resolved = "resolved",
        /// Final: after business days without activity, or closed by a person.
        Closed = "closed",
    }
}

string_enum! {
    /// Who opened an incident.
    Origin {
        /// Detection (rules or the anomaly model).
        System = "system",
        /// A person (`roomsight incidents open`).
        Customer = "customer",
    }
}

string_enum! {
    /// What changed, in one incident event.
    EventKind {
        /// The incident was opened.
        Opened = "opened",
        /// New evidence: last seen, counters, severity, summary or an earlier start.
        Updated = "updated",
        /// The condition has been clear for 15 minutes.
        Resolved = "resolved",
        /// The condition returned within 60 minutes of resolving.
        Reopened = "reopened",
        /// The incident is closed for good.
        Closed = "closed",
    }
}

/// What identifies "the same problem": at most one open incident per key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentKey {
    /// The kind.
    pub kind: Kind,
    /// The room system.
    pub device_id: String,
    /// The peripheral, for peripheral kinds.
    pub peripheral_id: Option<String>,
}

/// One row of `incident_events`: the incident's full state after one change.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentEvent {
    /// The incident's id (see [`incident_id`]).
    pub incident_id: String,
    /// 1, 2, … per incident, in order of the changes.
    pub seq: i64,
    /// What changed.
    pub event: EventKind,
    /// The kind.
    pub kind: Kind,
    /// The severity after the change.
    pub severity: Severity,
    /// The state after the change.
    pub state: State,
    /// Who opened it.
    pub origin: Origin,
    /// The room.
    pub room_id: String,
    /// The room system.
    pub device_id: String,
    /// The peripheral, for peripheral kinds.
    pub peripheral_id: Option<String>,
    /// When the condition started (may move earlier with late data; the id never changes).
    pub opened_at: DateTime<Utc>,
    /// When the change happened (event time, not processing time).
    pub event_at: DateTime<Utc>,
    /// The last instant the condition was seen holding.
    pub last_seen_at: DateTime<Utc>,
    /// When it was resolved, while resolved or closed after resolving.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// One line for people.
    pub summary: String,
    /// The evidence (a JSON object).
    pub details: Map<String, Value>,
    /// When the event was written to the lake (processing time).
    pub recorded_at: DateTime<Utc>,
}

impl IncidentEvent {
    /// The key this incident is the one open incident of.
    pub fn key(&self) -> IncidentKey {
        IncidentKey {
            kind: self.kind,
            device_id: self.device_id.clone(),
            peripheral_id: self.peripheral_id.clone(),
        }
    }

    /// The id receivers deduplicate by: `<incident_id>:<seq>`.
    pub fn event_id(&self) -> String {
        format!("{}:{}", self.incident_id, self.seq)
    }

    /// The JSON incident event of the feed (docs/incidents.md): exactly `incident_id, event, kind,
    /// severity, state, room_id, device_id, peripheral_id, opened_at, event_at, summary,
    /// details`, timestamps RFC 3339 UTC.
    pub fn feed_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("incident_id", self.incident_id.clone().into());
        put("event", self.event.as_str().into());
        put("kind", self.kind.as_str().into());
        put("severity", self.severity.as_str().into());
        put("state", self.state.as_str().into());
        put("room_id", self.room_id.clone().into());
        put("device_id", self.device_id.clone().into());
        put(
            "peripheral_id",
            self.peripheral_id.clone().map_or(Value::Null, Value::from),
        );
        put("opened_at", rfc3339(self.opened_at).into());
        put("event_at", rfc3339(self.event_at).into());
        put("summary", self.summary.clone().into());
        put("details", Value::Object(self.details.clone()));
        m
    }
}

/// RFC 3339 UTC with a `Z` and as many fractional digits as needed.
pub fn rfc3339(ts: DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The deterministic id of the incident of `key` opened at `opened_at`:
/// `<kind>-<YYYYMMDDTHHMMSSZ>-<16 hex digits of SHA-256 over kind, device, peripheral and the
/// opening instant>`, at most 57 characters, so it fits ServiceNow's `correlation_id` (100).
pub fn incident_id(key: &IncidentKey, opened_at: DateTime<Utc>) -> String {
    let mut hash = Sha256::new();
    hash.update(key.kind.as_str().as_bytes());
    hash.update([0]);
    hash.update(key.device_id.as_bytes());
    hash.update([0]);
    if let Some(p) = &key.peripheral_id {
        hash.update([1]);
        hash.update(p.as_bytes());
    }
    hash.update([0]);
    hash.update(opened_at.timestamp_micros().to_be_bytes());
    let digest = hash.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{hex}",
        key.kind.as_str(),
        opened_at.format("%Y%m%dT%H%M%SZ")
    )
}

/// A condition detection saw: one interval during which it held for one key.
///
/// Detection hands the lifecycle every interval it saw over the window it looked at; the
/// lifecycle sorts and merges them per key. `end: None` means still holding at `now`.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The kind.
    pub kind: Kind,
    /// The severity this evidence warrants (the incident takes the latest).
    pub severity: Severity,
    /// The room.
    pub room_id: String,
    /// The room system.
    pub device_id: String,
    /// The peripheral, for peripheral kinds.
    pub peripheral_id: Option<String>,
    /// When the condition started to hold.
    pub start: DateTime<Utc>,
    /// When it stopped holding; `None` = still holding at `now`.
    pub end: Option<DateTime<Utc>>,
    /// One line for people.
    pub summary: String,
    /// The evidence (counters, scores, versions…), merged into the incident's details.
    pub details: Map<String, Value>,
}

impl Observation {
    /// The key of the incident this evidence belongs to.
    pub fn key(&self) -> IncidentKey {
        IncidentKey {
            kind: self.kind,
            device_id: self.device_id.clone(),
            peripheral_id: self.peripheral_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>(), Ok(*k));
        }
        let err = "offline".parse::<Kind>().unwrap_err();
        assert!(err.to_string().contains("device_offline"), "{err}");
    }

    #[test]
    fn ids_are_deterministic_short_and_distinct() {
        let t = DateTime::parse_from_rfc3339("2026-03-02T10:15:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let key = |p: Option<&str>| IncidentKey {
            kind: Kind::PeripheralDegrading,
            device_id: "d".repeat(200),
            peripheral_id: p.map(str::to_string),
        };
        let a = incident_id(&key(Some("cam-1")), t);
        assert_eq!(a, incident_id(&key(Some("cam-1")), t));
        assert!(a.len() <= 100, "{a}");
        assert!(
            a.starts_with("peripheral_degrading-20260302T101500Z-"),
            "{a}"
        );
        assert_ne!(a, incident_id(&key(Some("cam-2")), t));
        assert_ne!(a, incident_id(&key(None), t));
        assert_ne!(
            a,
            incident_id(&key(Some("cam-1")), t + chrono::Duration::seconds(1))
        );
    }
}
