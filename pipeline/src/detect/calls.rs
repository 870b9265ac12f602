//! The `call_quality_degraded` rule: a room's poor-call share over its last calls far above
//! both its own and its site's share over the baseline days.
//!
//! Meetings are read as the reports read them (the latest version of each `meeting_id`), shares
//! are per room (a room with two room systems is one room), and the room's own share is over its
//! calls of the baseline days *before* its last calls, so a burst of poor calls does not raise
//! the baseline it is judged against. The incident names the room system that carried the call
//! with which the condition began.

use std::collections::BTreeMap;

use roomsight_models::alarm::Micros;
use roomsight_models::columns::{floats, ints, strings};
use roomsight_queries::Catalog;
use serde_json::{Map, Value};

use super::config::RuleConfig;
use super::error::Result;
use super::intervals::Interval;
use super::observe::{Condition, Subject};
use super::query::{DateRange, run};
use crate::incidents::{Kind, Severity};

const SQL: &str = roomsight_queries::sql::detect::CALL_QUALITY;

/// The SQL with the window sizes substituted.
fn sql(cfg: &RuleConfig) -> String {
    SQL.replace("{last_calls}", &cfg.last_calls.max(1).to_string())
        .replace(
            "{last_calls_preceding}",
            &(cfg.last_calls.max(1) - 1).to_string(),
        )
        .replace("{baseline_days}", &cfg.baseline_days.max(1).to_string())
}

/// Per call, whether the condition holds after it.
struct Call {
    device: String,
    ended: Micros,
    holds: bool,
    recent: f64,
    room: f64,
    site: f64,
}

/// The rule's conditions; `range` should start `baseline_days` before the dates judged.
pub(crate) async fn degraded(
    catalog: &Catalog,
    range: DateRange,
    cfg: &RuleConfig,
) -> Result<Vec<Condition>> {
    let rule = "call_quality_degraded";
    let params = [
        ("poor_loss_pct", cfg.poor_loss_pct.into()),
        ("poor_jitter_ms", cfg.poor_jitter_ms.into()),
        ("poor_rtt_ms", cfg.poor_rtt_ms.into()),
    ];
    let batches = run(catalog, rule, &sql(cfg), range, &params).await?;
    let mut rooms: BTreeMap<String, Vec<Call>> = BTreeMap::new();
    for b in &batches {
        let (room, dev, ended) = (
            strings(b, rule, "room_id")?,
            strings(b, rule, "device_id")?,
            ints(b, rule, "ended")?,
        );
        let (recent, n, own, site) = (
            floats(b, rule, "recent_share")?,
            ints(b, rule, "recent_calls")?,
            floats(b, rule, "room_share")?,
            floats(b, rule, "site_share")?,
        );
        for i in 0..b.num_rows() {
            let (Some(r), Some(t)) = (room[i].clone(), ended[i]) else {
                continue;
            };
            let full = n[i].unwrap_or(0) >= i64::from(cfg.last_calls);
            let holds = full
                && recent[i] >= cfg.poor_share
                && recent[i] >= cfg.poor_ratio * own[i]
                && recent[i] >= cfg.poor_ratio * site[i];
            rooms.entry(r).or_default().push(Call {
                device: dev[i].clone().unwrap_or_default(),
                ended: t,
                holds,
                recent: recent[i],
                room: own[i],
                site: site[i],
            });
        }
    }
    let mut out = Vec::new();
    for (room, calls) in rooms {
        let mut k = 0;
        while k < calls.len() {
            if !calls[k].holds {
                k += 1;
                continue;
            }
            let first = &calls[k];
            let mut j = k;
            while j < calls.len() && calls[j].holds {
                j += 1;
            }
            let worst = calls[k..j].iter().map(|c| c.recent).fold(0.0, f64::max);
            out.push(Condition {
                kind: Kind::CallQualityDegraded,
                severity: Severity::Warning,
                subject: Subject::device(&room, &first.device),
                interval: Interval {
                    start: first.ended,
                    end: calls.get(j).map(|c| c.ended),
                },
                summary: format!(
                    "{:.0} % of the last {} calls were poor",
                    worst * 100.0,
                    cfg.last_calls
                ),
                details: Map::from_iter([
                    ("recent_poor_share".into(), Value::from(round3(worst))),
                    ("room_poor_share".into(), Value::from(round3(first.room))),
                    ("site_poor_share".into(), Value::from(round3(first.site))),
                    ("last_calls".into(), Value::from(cfg.last_calls)),
                ]),
            });
            k = j;
        }
    }
    Ok(out)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
