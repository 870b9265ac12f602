//! What the dashboard shows, as plain data: filled from SQL by [`super::data`], drawn by
//! [`super::page`]. Kept apart so the page is tested on hand-made numbers.

use chrono::{DateTime, NaiveDate, Utc};

/// Rooms per health status at one site.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteHealth {
    /// The site (or `(unknown site)`).
    pub site: String,
    /// Rooms healthy.
    pub healthy: u64,
    /// Rooms with a warning.
    pub warning: u64,
    /// Rooms critical.
    pub critical: u64,
    /// Rooms offline.
    pub offline: u64,
}

/// One make and model of peripheral and how often it disconnects.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelReliability {
    /// `kind · make model`.
    pub label: String,
    /// Disconnects per 100 peripheral-days.
    pub disconnects_per_100_days: f64,
    /// Peripheral-days observed.
    pub peripheral_days: u64,
}

/// Incidents opened on one date, by severity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IncidentDay {
    /// The (UTC) date.
    pub date: NaiveDate,
    /// Critical incidents opened.
    pub critical: u64,
    /// Warning incidents opened.
    pub warning: u64,
}

/// Update compliance of one ring, over every component and line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RingCompliance {
    /// The ring (or `(no ring)`).
    pub ring: String,
    /// Targets on their line's target version.
    pub on_target: u64,
    /// All targets.
    pub targets: u64,
}

/// Room health of one local date (report `room_health_summary`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HealthDay {
    /// The local date.
    pub date: NaiveDate,
    /// Rooms reported.
    pub rooms: u64,
    /// Rooms healthy that day (critical incidents affected them for at most 20 minutes).
    pub healthy_rooms: u64,
    /// `100 * healthy_rooms / rooms`.
    pub healthy_pct: f64,
}

/// How one room fared over the health range (rows of `room_health_daily`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoomReliability {
    /// `name · site` from the directory, or the room_id.
    pub label: String,
    /// Dates reported.
    pub days: u64,
    /// Dates on which it was healthy.
    pub healthy_days: u64,
    /// Affected minutes over all dates.
    pub affected_minutes: u64,
}

/// Bookings hit by critical incidents in one week (report `meeting_impact`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImpactWeek {
    /// The Monday of the week (local dates of the bookings).
    pub week: NaiveDate,
    /// Bookings hit and not held: meetings lost to incidents.
    pub lost: u64,
    /// Bookings hit but held anyway.
    pub held: u64,
}

/// Failures of one peripheral `kind, make, model, firmware` (report `failure_stats`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelFailures {
    /// The peripheral kind.
    pub kind: String,
    /// Its make.
    pub make: String,
    /// Its model.
    pub model: String,
    /// Its firmware.
    pub firmware: String,
    /// Hours in which its peripherals were connected.
    pub operating_hours: f64,
    /// Failures (disconnected or degrading incidents opened).
    pub failures: u64,
    /// `operating_hours / failures`; `None` without failures.
    pub mtbf_hours: Option<f64>,
    /// Mean minutes to repair; `None` when no failure was resolved.
    pub mttr_minutes: Option<f64>,
}

impl ModelFailures {
    /// `kind · make model`.
    pub fn model_label(&self) -> String {
        format!("{} · {} {}", self.kind, self.make, self.model)
    }
}

/// The estate owner's numbers: room health per day, the least and most reliable rooms, meetings
/// lost to incidents and failure statistics per model and firmware.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reliability {
    /// The local dates these cover.
    pub range: Option<(NaiveDate, NaiveDate)>,
    /// Healthy rooms per local date, oldest first.
    pub health: Vec<HealthDay>,
    /// Rooms with the fewest healthy days (then the most affected minutes), worst first.
    pub least_reliable: Vec<RoomReliability>,
    /// Rooms with the most healthy days (then the fewest affected minutes), best first.
    pub most_reliable: Vec<RoomReliability>,
    /// Bookings hit by incidents per week, oldest first.
    pub impact: Vec<ImpactWeek>,
    /// Failure statistics per kind, make, model and firmware, lowest MTBF first (groups without
    /// failures last).
    pub models: Vec<ModelFailures>,
}

impl Reliability {
    /// Meetings lost to incidents over the range.
    pub fn meetings_lost(&self) -> u64 {
        self.impact.iter().map(|w| w.lost).sum()
    }

    /// The `kind · make model` with the lowest MTBF over all its firmwares (operating hours
    /// and failures summed), with that MTBF and its failures; `None` when nothing failed.
    pub fn worst_model(&self) -> Option<(String, f64, u64)> {
        let mut by_model: std::collections::BTreeMap<String, (f64, u64)> = Default::default();
        for m in &self.models {
            let entry = by_model.entry(m.model_label()).or_default();
            entry.0 += m.operating_hours;
            entry.1 += m.failures;
        }
        by_model
            .into_iter()
            .filter(|(_, (_, failures))| *failures > 0)
            .map(|(label, (hours, failures))| (label, hours / failures as f64, failures))
            .min_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
    }
}

/// The newest release of one component in one ring, and the update gate's verdict on it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReleaseVerdict {
    /// The ring (or `(no ring)`).
    pub ring: String,
    /// The component.
    pub component: String,
    /// The newest version its targets in the ring took (version order).
    pub version: String,
    /// Treated targets in the ring.
    pub targets: u64,
    /// The evidence in short: affected target-days per 100 device-days after the update and
    /// in the concurrent control, the rate ratio and the p-value (`-` where undefined).
    pub evidence: String,
    /// `promote`, `hold` or `halt`.
    pub verdict: String,
    /// Why, in one line.
    pub why: String,
}

/// Headline numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Headline {
    /// Rooms known (directory or telemetry).
    pub rooms: u64,
    /// Sites.
    pub sites: u64,
    /// Meetings in the period.
    pub meetings: u64,
    /// Incidents open now.
    pub open_incidents: u64,
    /// First and last local date with telemetry.
    pub period: Option<(NaiveDate, NaiveDate)>,
}

/// Everything on the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dashboard {
    /// The lake it was drawn from.
    pub lake: String,
    /// When it was drawn.
    pub generated_at: DateTime<Utc>,
    /// Headline numbers.
    pub headline: Headline,
    /// Rooms by health status per site, sites by name.
    pub health: Vec<SiteHealth>,
    /// The moment health was judged at.
    pub health_as_of: Option<DateTime<Utc>>,
    /// Mean utilization % (meeting-occupied share of each room-hour) by local weekday
    /// (Monday first) × hour of day; `None` where the period has no such hour.
    pub utilization: Vec<Vec<Option<f64>>>,
    /// Meeting minutes per local date.
    pub meeting_minutes: Vec<(NaiveDate, f64)>,
    /// Least reliable peripheral models, worst first.
    pub peripheral_models: Vec<ModelReliability>,
    /// Incidents opened per date.
    pub incidents: Vec<IncidentDay>,
    /// Update compliance per ring.
    pub compliance: Vec<RingCompliance>,
    /// Room health, meetings lost and failure statistics over the last (up to) 90 days.
    pub reliability: Reliability,
    /// Per ring, the newest release of each component with its verdict (ring, then component).
    pub releases: Vec<ReleaseVerdict>,
    /// Where each chart's numbers came from (report outputs or live SQL), for the footer.
    pub sources: Vec<String>,
}
