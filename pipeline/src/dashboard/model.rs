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
    /// Per ring, the newest release of each component with its verdict (ring, then component).
    pub releases: Vec<ReleaseVerdict>,
    /// Where each chart's numbers came from (report outputs or live SQL), for the footer.
    pub sources: Vec<String>,
}
