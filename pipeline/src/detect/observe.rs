//! What the rules and the model produce: condition intervals, handed to the incident
//! lifecycle as [`Observation`]s.

use chrono::{DateTime, Utc};
use roomsight_models::alarm::Micros;
use serde_json::{Map, Value};

use super::intervals::Interval;
use crate::incidents::{Kind, Observation, Severity};

/// Whom a condition concerns.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Subject {
    pub(crate) room_id: String,
    pub(crate) device_id: String,
    pub(crate) peripheral_id: Option<String>,
}

impl Subject {
    pub(crate) fn device(room_id: &str, device_id: &str) -> Self {
        Subject {
            room_id: room_id.to_owned(),
            device_id: device_id.to_owned(),
            peripheral_id: None,
        }
    }

    pub(crate) fn peripheral(room_id: &str, device_id: &str, peripheral_id: &str) -> Self {
        Subject {
            peripheral_id: Some(peripheral_id.to_owned()),
            ..Subject::device(room_id, device_id)
        }
    }
}

/// One interval in which one rule's or the model's condition held for one subject.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Condition {
    pub(crate) kind: Kind,
    pub(crate) severity: Severity,
    pub(crate) subject: Subject,
    pub(crate) interval: Interval,
    pub(crate) summary: String,
    pub(crate) details: Map<String, Value>,
}

fn utc(t: Micros) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl Condition {
    /// The observation the lifecycle takes.
    pub(crate) fn into_observation(self) -> Observation {
        Observation {
            kind: self.kind,
            severity: self.severity,
            room_id: self.subject.room_id,
            device_id: self.subject.device_id,
            peripheral_id: self.subject.peripheral_id,
            start: utc(self.interval.start),
            end: self.interval.end.map(utc),
            summary: self.summary,
            details: self.details,
        }
    }
}
