//! The anomaly model's alarms as `peripheral_degrading` conditions.

use roomsight_models::alarm::Micros;
use roomsight_models::features::PeripheralSeries;
use roomsight_models::model::PeripheralAlarm;
use serde_json::{Map, Value};

use super::intervals::Interval;
use super::observe::{Condition, Subject};
use crate::incidents::{Kind, Severity};

/// One condition per alarm that started by `now`; ends after `now` are cut to "still holding".
pub(crate) fn conditions(
    series: &[PeripheralSeries],
    alarms: Vec<PeripheralAlarm>,
    now: Micros,
) -> Vec<Condition> {
    alarms
        .into_iter()
        .filter(|a| a.alarm.start <= now)
        .map(|a| {
            let s = &series[a.series];
            let details: Map<String, Value> = match a.details {
                Value::Object(m) => m,
                other => Map::from_iter([("evidence".to_owned(), other)]),
            };
            let what = match a.reason {
                roomsight_models::model::Reason::Degrading => "metrics or errors drifting",
                roomsight_models::model::Reason::IntermittentDisconnects => {
                    "repeated short disconnects"
                }
                roomsight_models::model::Reason::FirmwareRegression => {
                    "its firmware cohort regressed since the update"
                }
            };
            Condition {
                kind: Kind::PeripheralDegrading,
                severity: Severity::Warning,
                subject: Subject::peripheral(&s.room_id, &s.device_id, &s.peripheral_id),
                interval: Interval {
                    start: a.alarm.start,
                    end: a.alarm.end.filter(|&e| e <= now),
                },
                summary: format!("{} {} {}: {what}", s.kind, s.make, s.model),
                details,
            }
        })
        .collect()
}
