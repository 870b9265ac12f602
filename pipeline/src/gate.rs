//! The update gate: the `update_impact` report's judgement of a release in a ring, read back as
//! rows, with a sentence that says why (`roomsight updates gate`, the dashboard's rings panel).

use chrono::{DateTime, Utc};
use roomsight_models::columns::{floats, ints, strings};
use roomsight_queries::Catalog;
use roomsight_queries::reports::{ReportParams, Window};

use crate::report::run_report;

/// What went wrong computing the gate's rows.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The report failed.
    #[error(transparent)]
    Report(#[from] crate::report::Error),
    /// Its rows lack a column the gate reads (a bug in update_impact.sql).
    #[error(
        "internal error: the update_impact rows lack a column the gate reads; please report it"
    )]
    Columns {
        /// The reader's error.
        source: roomsight_models::Error,
    },
}

/// The gate's result.
pub type Result<T, E = GateError> = std::result::Result<T, E>;

/// What `update_impact` says about a release in a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No sign of harm, with enough data: roll on to the next ring.
    Promote,
    /// Not enough data yet (fewer than 5 targets or 5 device-days after, or in the control).
    Hold,
    /// Its targets are affected significantly more often than the control: stop the rollout.
    Halt,
}

impl Verdict {
    /// The name the report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Promote => "promote",
            Verdict::Hold => "hold",
            Verdict::Halt => "halt",
        }
    }

    fn parse(s: &str) -> Option<Verdict> {
        match s {
            "promote" => Some(Verdict::Promote),
            "hold" => Some(Verdict::Hold),
            "halt" => Some(Verdict::Halt),
            _ => None,
        }
    }
}

/// One row of `update_impact`.
#[derive(Clone, Debug, PartialEq)]
pub struct ImpactRow {
    /// The component (`firmware`, `teams_app`, …).
    pub component: String,
    /// The release.
    pub to_version: String,
    /// The ring (none: rooms missing from the directory).
    pub ring: Option<String>,
    /// Treated targets.
    pub targets: i64,
    /// The first succeeded update to this version in this ring.
    pub first_update_at: Option<DateTime<Utc>>,
    /// Device-days after the update.
    pub device_days_after: f64,
    /// Affected target-days after the update.
    pub affected_days_after: i64,
    /// Device-days in the concurrent control.
    pub device_days_control: f64,
    /// Affected target-days in the control.
    pub affected_days_control: i64,
    /// Per 100 device-days after (NaN when there are none).
    pub rate_after: f64,
    /// Per 100 device-days in the control (NaN when there are none).
    pub rate_control: f64,
    /// The rate ratio with +0.5 continuity (NaN when either side has no days).
    pub rate_ratio: f64,
    /// The one-sided exact conditional p-value.
    pub p_value: f64,
    /// The verdict.
    pub verdict: Verdict,
}

/// The rows of `update_impact` as of `as_of`.
pub async fn impact(catalog: &Catalog, as_of: DateTime<Utc>) -> Result<Vec<ImpactRow>> {
    let run = run_report(
        catalog,
        "update_impact",
        &ReportParams::new(Window::AsOf(as_of)),
    )
    .await?;
    let q = "update_impact";
    let bad = |source| GateError::Columns { source };
    let mut out = Vec::new();
    for b in &run.batches {
        let (component, version, ring, verdict) = (
            strings(b, q, "component").map_err(bad)?,
            strings(b, q, "to_version").map_err(bad)?,
            strings(b, q, "ring").map_err(bad)?,
            strings(b, q, "verdict").map_err(bad)?,
        );
        let (targets, first, aa, ac) = (
            ints(b, q, "targets").map_err(bad)?,
            ints(b, q, "first_update_at").map_err(bad)?,
            ints(b, q, "affected_days_after").map_err(bad)?,
            ints(b, q, "affected_days_control").map_err(bad)?,
        );
        let (dda, ddc, ra, rc, ratio, p) = (
            floats(b, q, "device_days_after").map_err(bad)?,
            floats(b, q, "device_days_control").map_err(bad)?,
            floats(b, q, "rate_after").map_err(bad)?,
            floats(b, q, "rate_control").map_err(bad)?,
            floats(b, q, "rate_ratio").map_err(bad)?,
            floats(b, q, "p_value").map_err(bad)?,
        );
        for i in 0..b.num_rows() {
            let Some(verdict) = verdict[i].as_deref().and_then(Verdict::parse) else {
                continue;
            };
            out.push(ImpactRow {
                component: component[i].clone().unwrap_or_default(),
                to_version: version[i].clone().unwrap_or_default(),
                ring: ring[i].clone(),
                targets: targets[i].unwrap_or(0),
                first_update_at: first[i].and_then(DateTime::from_timestamp_micros),
                device_days_after: dda[i],
                affected_days_after: aa[i].unwrap_or(0),
                device_days_control: ddc[i],
                affected_days_control: ac[i].unwrap_or(0),
                rate_after: ra[i],
                rate_control: rc[i],
                rate_ratio: ratio[i],
                p_value: p[i],
                verdict,
            });
        }
    }
    Ok(out)
}

/// The least number of targets and of device-days (after, and in the control) a verdict other
/// than `hold` needs.
pub const ENOUGH: f64 = 5.0;

fn num(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.digits$}")
    }
}

impl ImpactRow {
    /// `<component> <version> in ring <ring>`.
    pub fn release(&self) -> String {
        format!(
            "{} {} in ring {}",
            self.component,
            self.to_version,
            self.ring.as_deref().unwrap_or("(none)")
        )
    }

    /// The evidence, in one clause.
    pub fn evidence(&self) -> String {
        format!(
            "{} targets; {} affected target-days in {} device-days after the update ({} per 100) \
             against {} in {} ({} per 100) in the concurrent control; rate ratio {}, p = {}",
            self.targets,
            self.affected_days_after,
            num(self.device_days_after, 1),
            num(self.rate_after, 2),
            self.affected_days_control,
            num(self.device_days_control, 1),
            num(self.rate_control, 2),
            num(self.rate_ratio, 2),
            if self.p_value < 0.001 {
                format!("{:.1e}", self.p_value)
            } else {
                num(self.p_value, 3)
            }
        )
    }

    /// For a halted release that is not firmware: the firmware releases halted in the same ring
    /// whose first update came within 7 days of this one's. An app, OS or agent release is
    /// charged with its room systems' peripheral incidents too (reports.md), so a bad firmware
    /// rolling through the same rooms in the same week makes it look bad as well; those are
    /// the releases to judge first. Empty for every other row.
    pub fn halted_alongside<'a>(&self, rows: &'a [ImpactRow]) -> Vec<&'a ImpactRow> {
        if self.verdict != Verdict::Halt || self.component == "firmware" {
            return Vec::new();
        }
        let Some(at) = self.first_update_at else {
            return Vec::new();
        };
        rows.iter()
            .filter(|r| {
                r.component == "firmware"
                    && r.verdict == Verdict::Halt
                    && r.ring == self.ring
                    && r.first_update_at
                        .is_some_and(|t| (t - at).abs() < chrono::TimeDelta::days(7))
            })
            .collect()
    }

    /// Why the verdict is what it is, in one line.
    pub fn why(&self) -> String {
        let because = match self.verdict {
            Verdict::Halt => "its targets are affected significantly more often than those that \
                              have not taken it (p < 0.01 and at least twice the rate)"
                .to_owned(),
            Verdict::Hold => {
                let mut short = Vec::new();
                if (self.targets as f64) < ENOUGH {
                    short.push(format!("only {} targets", self.targets));
                }
                if self.device_days_after.is_nan() || self.device_days_after < ENOUGH {
                    short.push(format!(
                        "only {} device-days after the update",
                        num(self.device_days_after, 1)
                    ));
                }
                if self.device_days_control.is_nan() || self.device_days_control < ENOUGH {
                    short.push(format!(
                        "only {} device-days in the control",
                        num(self.device_days_control, 1)
                    ));
                }
                format!(
                    "not enough data yet ({}; 5 of each are needed)",
                    short.join(", ")
                )
            }
            Verdict::Promote => "no sign that it makes things worse (halt needs p < 0.01 and at \
                                 least twice the control's rate)"
                .to_owned(),
        };
        format!(
            "{}: {}: {because}. {}",
            self.verdict.as_str(),
            self.release(),
            self.evidence()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(verdict: Verdict) -> ImpactRow {
        ImpactRow {
            component: "firmware".into(),
            to_version: "2.1.0".into(),
            ring: Some("pilot".into()),
            targets: 3,
            first_update_at: None,
            device_days_after: 12.5,
            affected_days_after: 4,
            device_days_control: 300.0,
            affected_days_control: 3,
            rate_after: 32.0,
            rate_control: 1.0,
            rate_ratio: 24.0,
            p_value: 0.00001,
            verdict,
        }
    }

    #[test]
    fn a_halted_agent_release_names_the_firmware_halted_in_its_ring_that_week() {
        let at = |day: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 11, day)
                .and_then(|d| d.and_hms_opt(3, 0, 0))
                .map(|t| t.and_utc())
        };
        let mut agent = row(Verdict::Halt);
        agent.component = "admin_agent".into();
        agent.first_update_at = at(12);
        let mut firmware = row(Verdict::Halt);
        firmware.first_update_at = at(13);
        let mut other_ring = firmware.clone();
        other_ring.ring = Some("validation".into());
        let mut weeks_later = firmware.clone();
        weeks_later.first_update_at = at(25);
        let mut promoted = firmware.clone();
        promoted.verdict = Verdict::Promote;
        let rows = vec![
            agent.clone(),
            firmware.clone(),
            other_ring,
            weeks_later,
            promoted,
        ];
        assert_eq!(agent.halted_alongside(&rows), vec![&firmware]);
        assert!(
            firmware.halted_alongside(&rows).is_empty(),
            "firmware is judged alone"
        );
        agent.verdict = Verdict::Promote;
        assert!(agent.halted_alongside(&rows).is_empty());
    }

    #[test]
    fn the_reason_names_the_release_the_verdict_and_what_is_short() {
        let halt = row(Verdict::Halt).why();
        assert!(
            halt.starts_with("halt: firmware 2.1.0 in ring pilot:"),
            "{halt}"
        );
        assert!(halt.contains("p = 1.0e-5"), "{halt}");
        let hold = row(Verdict::Hold).why();
        assert!(hold.contains("only 3 targets"), "{hold}");
        assert!(!hold.contains("only 12.5"), "{hold}");
    }
}
