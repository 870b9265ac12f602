//! The SQL text other crates run over the catalog: detection's rules and the dashboard's
//! charts. Each file opens with a comment saying what it computes and which parameters
//! (`$from_date`, `$to_date`, …) it takes; the callers bind them and read the columns.

/// The inputs of the rules of `docs/incidents.md` (`roomsight-pipeline`'s `detect`).
pub mod detect {
    /// Heartbeat gaps per device (`device_offline`).
    pub const HEARTBEAT_GAPS: &str = include_str!("../sql/detect/heartbeat_gaps.sql");
    /// Teams sign-in changes per device (`signed_out`).
    pub const SIGN_IN_CHANGES: &str = include_str!("../sql/detect/sign_in_changes.sql");
    /// Connection changes per peripheral (`peripheral_disconnected`).
    pub const CONNECTION_CHANGES: &str = include_str!("../sql/detect/connection_changes.sql");
    /// Each room system's last heartbeat before a date (`device_offline` over a whole range).
    pub const LAST_HEARTBEATS: &str = include_str!("../sql/detect/last_heartbeats.sql");
    /// Enrollments and unenrollments of room systems, in time order.
    pub const ENROLLMENT_CHANGES: &str = include_str!("../sql/detect/enrollment_changes.sql");
    /// Failed and rolled-back update steps (`update_failed`).
    pub const FAILED_UPDATES: &str = include_str!("../sql/detect/failed_updates.sql");
    /// Poor calls per room against its own and its site's baseline (`call_quality_degraded`).
    pub const CALL_QUALITY: &str = include_str!("../sql/detect/call_quality.sql");
    /// Every maintenance window and update window detection honours.
    pub const MAINTENANCE_WINDOWS: &str = include_str!("../sql/detect/maintenance_windows.sql");
}

/// The charts of the estate dashboard (`roomsight-pipeline`'s `dashboard`).
pub mod dashboard {
    /// Rooms by health status per site.
    pub const OVERVIEW: &str = include_str!("../sql/dashboard/overview.sql");
    /// Meetings in each room's local time (utilization by weekday × hour, minutes per day).
    pub const MEETINGS_LOCAL: &str = include_str!("../sql/dashboard/meetings_local.sql");
    /// Incidents opened per day.
    pub const INCIDENTS_DAILY: &str = include_str!("../sql/dashboard/incidents_daily.sql");
    /// The least reliable peripheral models.
    pub const PERIPHERAL_MODELS: &str = include_str!("../sql/dashboard/peripheral_models.sql");
    /// Update compliance per ring.
    pub const UPDATE_RINGS: &str = include_str!("../sql/dashboard/update_rings.sql");
    /// Room health when no health_overview report has been written yet.
    pub const HEALTH_FALLBACK: &str = include_str!("../sql/dashboard/health_fallback.sql");
}
