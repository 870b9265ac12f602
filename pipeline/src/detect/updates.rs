//! The `update_failed` rule: every failed or rolled-back update step is a condition at its
//! moment; the second such step for the same target and version makes it critical.

use roomsight_models::columns::{ints, strings};
use roomsight_queries::Catalog;
use serde_json::{Map, Value};

use super::availability::json_ts;
use super::config::RuleConfig;
use super::error::Result;
use super::intervals::Interval;
use super::observe::{Condition, Subject};
use super::query::{DateRange, run};
use crate::incidents::{Kind, Severity};

const FAILED: &str = roomsight_queries::sql::detect::FAILED_UPDATES;

/// The conditions of every failed or rolled-back step in `range`.
pub(crate) async fn failed(
    catalog: &Catalog,
    range: DateRange,
    cfg: &RuleConfig,
) -> Result<Vec<Condition>> {
    let rule = "update_failed";
    let batches = run(catalog, rule, FAILED, range, &[]).await?;
    let mut out = Vec::new();
    for b in &batches {
        let text = |name| strings(b, rule, name);
        let (dev, room, target, component) = (
            text("device_id")?,
            text("room_id")?,
            text("target_id")?,
            text("component")?,
        );
        let (from, to, status, error, update) = (
            text("from_version")?,
            text("to_version")?,
            text("status")?,
            text("error")?,
            text("update_id")?,
        );
        let (ts, count) = (ints(b, rule, "ts")?, ints(b, rule, "failures_so_far")?);
        for i in 0..b.num_rows() {
            let (Some(device), Some(t)) = (dev[i].clone(), ts[i]) else {
                continue;
            };
            let room = room[i].clone().unwrap_or_default();
            let target = target[i].clone().unwrap_or_default();
            let subject = if target.is_empty() || target == device {
                Subject::device(&room, &device)
            } else {
                Subject::peripheral(&room, &device, &target)
            };
            let failures = count[i].unwrap_or(1);
            let critical = failures >= i64::from(cfg.update_failures_critical);
            let s = |v: &Option<String>| Value::from(v.clone().unwrap_or_default());
            let details = Map::from_iter([
                ("update_id".into(), s(&update[i])),
                ("component".into(), s(&component[i])),
                ("target_id".into(), Value::from(target.clone())),
                ("from_version".into(), s(&from[i])),
                ("to_version".into(), s(&to[i])),
                ("status".into(), s(&status[i])),
                (
                    "error".into(),
                    error[i].clone().map_or(Value::Null, Value::from),
                ),
                ("failures_for_version".into(), Value::from(failures)),
                ("at".into(), json_ts(t)),
            ]);
            out.push(Condition {
                kind: Kind::UpdateFailed,
                severity: if critical {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                subject,
                interval: Interval {
                    start: t,
                    end: Some(t),
                },
                summary: format!(
                    "update of {} to {} {}",
                    component[i].as_deref().unwrap_or("?"),
                    to[i].as_deref().unwrap_or("?"),
                    status[i].as_deref().unwrap_or("failed").replace('_', " ")
                ),
                details,
            });
        }
    }
    Ok(out)
}
