//! `incident_summary` over hand-made incident histories whose right answer is known by
//! construction.

use crate::calendar::{daily, load_rooms};
use crate::fixture::TestLake;
use crate::fleet::{IncidentEvent, write_incident_events};

const ROOMS: &str = "ber-1,Spree,Berlin HQ,,,10,DE,Europe/Berlin,board,general\n";

#[test]
fn opened_resolved_auto_closed_still_open_and_minutes_to_resolve() {
    let lake = TestLake::new();
    load_rooms(&lake, ROOMS);
    let open =
        |id, kind, severity, at| IncidentEvent::opened(id, kind, severity, "ber-1", "dev-ber", at);
    // 23:30 UTC on the 23rd is 00:30 on the 24th in Berlin: opened in the range; resolved after
    // 30 minutes.
    let i1 = open(
        "i1",
        "peripheral_disconnected",
        "critical",
        "2026-11-23T23:30:00Z",
    );
    // Resolved, reopened, resolved again: resolved once, 120 minutes after opening.
    let i2 = open(
        "i2",
        "peripheral_disconnected",
        "critical",
        "2026-11-24T09:00:00Z",
    );
    let i2_resolved = i2.then("resolved", "2026-11-24T10:30:00Z");
    let i2_reopened = i2_resolved.then("reopened", "2026-11-24T10:45:00Z");
    // Opened before the range, resolved in it after a day.
    let i3 = open(
        "i3",
        "peripheral_disconnected",
        "critical",
        "2026-11-23T10:00:00Z",
    );
    // Still open at the end.
    let i4 = open("i4", "device_offline", "critical", "2026-11-25T10:00:00Z");
    // Resolved before the range, closed automatically in it.
    let i5 = open("i5", "device_offline", "critical", "2026-11-20T10:00:00Z");
    let i5_resolved = i5.then("resolved", "2026-11-21T10:00:00Z");
    // Opened by a person and closed by one: not an automatic close.
    let i6 = IncidentEvent {
        details: r#"{"opened_by":"customer"}"#,
        ..open("i6", "signed_out", "critical", "2026-11-24T08:00:00Z")
    };
    let i6_closed = IncidentEvent {
        details: r#"{"closed_by":"person","opened_by":"customer"}"#,
        ..i6.then("closed", "2026-11-25T08:00:00Z")
    };
    // A warning escalated to critical: counts as critical.
    let i7 = open("i7", "update_failed", "warning", "2026-11-24T12:00:00Z");
    let i7_escalated = IncidentEvent {
        severity: "critical",
        ..i7.then("updated", "2026-11-25T12:00:00Z")
    };
    // 00:30 on the 26th in Berlin: after the range.
    let i8 = open("i8", "device_offline", "critical", "2026-11-25T23:30:00Z");
    // Resolved after the range: still open at its end.
    let i9 = open(
        "i9",
        "peripheral_disconnected",
        "warning",
        "2026-11-25T20:00:00Z",
    );
    write_incident_events(
        &lake,
        &[
            i1.clone(),
            i1.then("resolved", "2026-11-24T00:00:00Z"),
            i2.clone(),
            i2_resolved.clone(),
            i2_reopened.clone(),
            i2_reopened.then("resolved", "2026-11-24T11:00:00Z"),
            i3.clone(),
            i3.then("resolved", "2026-11-24T10:00:00Z"),
            i4,
            i5.clone(),
            i5_resolved.clone(),
            i5_resolved.then("closed", "2026-11-24T12:00:00Z"),
            i6,
            i6_closed,
            i7,
            i7_escalated,
            i8,
            i9.clone(),
            i9.then("resolved", "2026-11-26T08:00:00Z"),
        ],
    );
    // peripheral_disconnected/critical resolves after 30, 120 and 1440 minutes: mean 530,
    // p90 = 120 + 0.8 * (1440 - 120) = 1176.
    assert_eq!(
        daily(&lake, "incident_summary", "2026-11-24", "2026-11-25"),
        [
            "kind|severity|opened|resolved|auto_closed|still_open|mean_minutes_to_resolve|p90_minutes_to_resolve",
            "device_offline|critical|1|0|1|1||",
            "peripheral_disconnected|critical|2|3|0|0|530.0|1176.0",
            "peripheral_disconnected|warning|1|0|0|1||",
            "signed_out|critical|1|0|0|0||",
            "update_failed|critical|1|0|0|1||",
        ]
    );
}
