use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::*;
use crate::incidents::model::Kind;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn obs(kind: Kind, start: &str, end: Option<&str>) -> Observation {
    Observation {
        kind,
        severity: kind.default_severity(),
        room_id: "room-1".into(),
        device_id: "dev-1".into(),
        peripheral_id: (kind == Kind::PeripheralDisconnected).then(|| "cam-1".into()),
        start: t(start),
        end: end.map(t),
        summary: format!("{kind} seen"),
        details: Map::new(),
    }
}

fn zones(_room: &str) -> Tz {
    chrono_tz::Europe::Berlin
}

/// Runs a decision on top of `store` and appends its events, as `apply` does.
fn run(
    store: &mut Vec<IncidentEvent>,
    observations: Vec<Observation>,
    now: &str,
) -> Vec<IncidentEvent> {
    let clock = Clock {
        now: t(now),
        zones: &zones,
        observed_from: DateTime::<Utc>::MIN_UTC,
    };
    let out = decide(store, observations, &clock);
    store.extend(out.clone());
    out
}

fn kinds(events: &[IncidentEvent]) -> Vec<(String, EventKind)> {
    events
        .iter()
        .map(|e| (e.incident_id.clone(), e.event))
        .collect()
}

#[test]
fn a_holding_condition_opens_one_incident_and_stays_open() {
    let mut store = Vec::new();
    let out = run(
        &mut store,
        vec![obs(Kind::DeviceOffline, "2026-03-02T10:00:00Z", None)],
        "2026-03-02T10:30:00Z",
    );
    assert_eq!(out.len(), 1);
    let e = &out[0];
    assert_eq!(
        (e.event, e.state, e.seq),
        (EventKind::Opened, State::Open, 1)
    );
    assert_eq!(e.opened_at, t("2026-03-02T10:00:00Z"));
    assert_eq!(e.last_seen_at, t("2026-03-02T10:30:00Z"));
    assert_eq!(e.incident_id, incident_id(&e.key(), e.opened_at));
    // The same evidence at the same time: nothing new.
    assert!(
        run(
            &mut store,
            vec![obs(Kind::DeviceOffline, "2026-03-02T10:00:00Z", None)],
            "2026-03-02T10:30:00Z"
        )
        .is_empty()
    );
    // Still holding later: one update, same incident, never a second one.
    let later = run(
        &mut store,
        vec![obs(Kind::DeviceOffline, "2026-03-02T10:00:00Z", None)],
        "2026-03-02T11:00:00Z",
    );
    assert_eq!(
        kinds(&later),
        vec![(e.incident_id.clone(), EventKind::Updated)]
    );
    assert_eq!(later[0].seq, 2);
    assert_eq!(later[0].last_seen_at, t("2026-03-02T11:00:00Z"));
}

#[test]
fn resolves_once_clear_for_fifteen_minutes() {
    let mut store = Vec::new();
    let seen = || {
        vec![obs(
            Kind::DeviceOffline,
            "2026-03-02T10:00:00Z",
            Some("2026-03-02T10:20:00Z"),
        )]
    };
    // Clear for 10 minutes only: still open.
    let out = run(&mut store, seen(), "2026-03-02T10:30:00Z");
    assert_eq!(
        out.iter().map(|e| e.event).collect::<Vec<_>>(),
        vec![EventKind::Opened]
    );
    assert_eq!(out[0].state, State::Open);
    let out = run(&mut store, seen(), "2026-03-02T10:40:00Z");
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].event, out[0].state),
        (EventKind::Resolved, State::Resolved)
    );
    assert_eq!(out[0].resolved_at, Some(t("2026-03-02T10:35:00Z")));
    assert_eq!(out[0].event_at, t("2026-03-02T10:35:00Z"));
    assert!(run(&mut store, seen(), "2026-03-02T10:40:00Z").is_empty());
}

#[test]
fn a_gap_shorter_than_fifteen_minutes_is_the_same_occurrence() {
    let mut store = Vec::new();
    let out = run(
        &mut store,
        vec![
            obs(
                Kind::SignedOut,
                "2026-03-02T10:00:00Z",
                Some("2026-03-02T10:20:00Z"),
            ),
            obs(
                Kind::SignedOut,
                "2026-03-02T10:30:00Z",
                Some("2026-03-02T10:40:00Z"),
            ),
        ],
        "2026-03-02T12:00:00Z",
    );
    let events: Vec<_> = out.iter().map(|e| e.event).collect();
    assert_eq!(events, vec![EventKind::Opened, EventKind::Resolved]);
    assert_eq!(out[1].last_seen_at, t("2026-03-02T10:40:00Z"));
    assert_eq!(out[1].resolved_at, Some(t("2026-03-02T10:55:00Z")));
}

#[test]
fn flapping_within_sixty_minutes_reopens_instead_of_opening_anew() {
    let mut store = Vec::new();
    // Offline 10:00–10:10 → resolved 10:25; back at 11:20 (55 min after resolving) → reopened;
    // clear at 11:30 → resolved 11:45; back at 13:00 (75 min after) → a new incident.
    let seen = vec![
        obs(
            Kind::PeripheralDisconnected,
            "2026-03-02T10:00:00Z",
            Some("2026-03-02T10:10:00Z"),
        ),
        obs(
            Kind::PeripheralDisconnected,
            "2026-03-02T11:20:00Z",
            Some("2026-03-02T11:30:00Z"),
        ),
        obs(Kind::PeripheralDisconnected, "2026-03-02T13:00:00Z", None),
    ];
    let out = run(&mut store, seen.clone(), "2026-03-02T13:10:00Z");
    let first = out[0].incident_id.clone();
    let second = out.last().unwrap().incident_id.clone();
    assert_ne!(first, second);
    assert_eq!(
        kinds(&out),
        vec![
            (first.clone(), EventKind::Opened),
            (first.clone(), EventKind::Resolved),
            (first.clone(), EventKind::Reopened),
            (first.clone(), EventKind::Resolved),
            (second.clone(), EventKind::Opened),
        ]
    );
    assert_eq!(out[2].event_at, t("2026-03-02T11:20:00Z"));
    assert_eq!(out[2].resolved_at, None);
    assert_eq!(out[3].resolved_at, Some(t("2026-03-02T11:45:00Z")));
    assert_eq!(
        out.iter()
            .filter(|e| e.incident_id == first)
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    // Deterministic: the same observations again give nothing.
    assert!(run(&mut store, seen, "2026-03-02T13:10:00Z").is_empty());
}

#[test]
fn flapping_across_runs_reopens_the_same_incident() {
    let mut store = Vec::new();
    let a = obs(
        Kind::DeviceOffline,
        "2026-03-02T10:00:00Z",
        Some("2026-03-02T10:10:00Z"),
    );
    let out = run(&mut store, vec![a.clone()], "2026-03-02T10:30:00Z");
    assert_eq!(
        out.iter().map(|e| e.event).collect::<Vec<_>>(),
        vec![EventKind::Opened, EventKind::Resolved]
    );
    let b = obs(Kind::DeviceOffline, "2026-03-02T11:00:00Z", None);
    let out = run(&mut store, vec![a, b], "2026-03-02T11:05:00Z");
    assert_eq!(
        kinds(&out),
        vec![(store[0].incident_id.clone(), EventKind::Reopened)]
    );
    assert_eq!(out[0].state, State::Open);
}

#[test]
fn late_data_moving_the_start_earlier_keeps_the_id() {
    let mut store = Vec::new();
    let out = run(
        &mut store,
        vec![obs(Kind::DeviceOffline, "2026-03-02T10:00:00Z", None)],
        "2026-03-02T10:30:00Z",
    );
    let id = out[0].incident_id.clone();
    // Late heartbeats show the device was already offline from 09:40.
    let out = run(
        &mut store,
        vec![obs(Kind::DeviceOffline, "2026-03-02T09:40:00Z", None)],
        "2026-03-02T10:30:00Z",
    );
    assert_eq!(kinds(&out), vec![(id.clone(), EventKind::Updated)]);
    assert_eq!(out[0].opened_at, t("2026-03-02T09:40:00Z"));
    assert_ne!(id, incident_id(&out[0].key(), out[0].opened_at));
    assert!(
        run(
            &mut store,
            vec![obs(Kind::DeviceOffline, "2026-03-02T09:40:00Z", None)],
            "2026-03-02T10:30:00Z"
        )
        .is_empty()
    );
}

#[test]
fn a_system_incident_closes_after_fifteen_business_days_resolved() {
    let mut store = Vec::new();
    // Resolved on Monday 2 March 10:25 Berlin time (09:25 UTC).
    run(
        &mut store,
        vec![obs(
            Kind::DeviceOffline,
            "2026-03-02T09:00:00Z",
            Some("2026-03-02T09:10:00Z"),
        )],
        "2026-03-02T10:00:00Z",
    );
    assert_eq!(store.last().unwrap().state, State::Resolved);
    // 15 business days after Monday 2 March is Monday 23 March; it closes at Tuesday 00:00
    // Berlin (CET, 23:00 UTC on the 23rd). Weekends do not count.
    assert!(run(&mut store, vec![], "2026-03-23T22:59:00Z").is_empty());
    let out = run(&mut store, vec![], "2026-03-23T23:01:00Z");
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].event, out[0].state),
        (EventKind::Closed, State::Closed)
    );
    assert_eq!(out[0].closed_at, Some(t("2026-03-23T23:00:00Z")));
    assert!(run(&mut store, vec![], "2026-04-30T00:00:00Z").is_empty());
}

#[test]
fn an_open_system_incident_never_auto_closes() {
    let mut store = Vec::new();
    let holding = || vec![obs(Kind::DeviceOffline, "2026-03-02T09:00:00Z", None)];
    run(&mut store, holding(), "2026-03-02T10:00:00Z");
    run(&mut store, holding(), "2026-04-30T10:00:00Z");
    assert!(store.iter().all(|e| e.state == State::Open));
}

fn customer(store: &mut Vec<IncidentEvent>, at: &str) -> IncidentEvent {
    let key = IncidentKey {
        kind: Kind::PeripheralDisconnected,
        device_id: "dev-1".into(),
        peripheral_id: Some("mic-1".into()),
    };
    let e = IncidentEvent {
        incident_id: incident_id(&key, t(at)),
        seq: 1,
        event: EventKind::Opened,
        kind: key.kind,
        severity: Severity::Critical,
        state: State::Open,
        origin: Origin::Customer,
        room_id: "room-1".into(),
        device_id: key.device_id.clone(),
        peripheral_id: key.peripheral_id.clone(),
        opened_at: t(at),
        event_at: t(at),
        last_seen_at: t(at),
        resolved_at: None,
        closed_at: None,
        summary: "the microphone does not work".into(),
        details: Map::from_iter([("opened_by".to_string(), Value::from("customer"))]),
        recorded_at: t(at),
    };
    store.push(e.clone());
    e
}

#[test]
fn a_customer_incident_closes_after_three_business_days_from_open() {
    let mut store = Vec::new();
    // Opened on Friday 6 March 15:00 Berlin: Monday, Tuesday, Wednesday pass → closes at
    // Thursday 12 March 00:00 CET (11 March 23:00 UTC).
    customer(&mut store, "2026-03-06T14:00:00Z");
    assert!(run(&mut store, vec![], "2026-03-11T22:59:00Z").is_empty());
    let out = run(&mut store, vec![], "2026-03-12T08:00:00Z");
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].event, out[0].origin),
        (EventKind::Closed, Origin::Customer)
    );
    assert_eq!(out[0].closed_at, Some(t("2026-03-11T23:00:00Z")));
}

#[test]
fn evidence_on_a_customer_incident_is_activity() {
    let mut store = Vec::new();
    let c = customer(&mut store, "2026-03-06T14:00:00Z");
    let mut seen = obs(
        Kind::PeripheralDisconnected,
        "2026-03-10T08:00:00Z",
        Some("2026-03-10T09:00:00Z"),
    );
    seen.peripheral_id = Some("mic-1".into());
    let out = run(&mut store, vec![seen], "2026-03-10T12:00:00Z");
    // Attached to the customer's incident (never a second open one), not auto-resolved.
    assert_eq!(
        kinds(&out),
        vec![(c.incident_id.clone(), EventKind::Updated)]
    );
    assert_eq!(out[0].state, State::Open);
    // Activity on Tuesday 10 March: Wednesday, Thursday and Friday pass → closes at Saturday
    // 14 March 00:00 CET (13 March 23:00 UTC), not three days after the opening.
    assert!(run(&mut store, vec![], "2026-03-13T22:59:00Z").is_empty());
    let out = run(&mut store, vec![], "2026-03-13T23:01:00Z");
    assert_eq!(out[0].closed_at, Some(t("2026-03-13T23:00:00Z")));
}

#[test]
fn a_long_backfill_walks_resolve_close_and_reopen_in_order() {
    let mut store = Vec::new();
    let first = obs(
        Kind::SignedOut,
        "2026-03-02T09:00:00Z",
        Some("2026-03-02T09:30:00Z"),
    );
    let much_later = obs(
        Kind::SignedOut,
        "2026-04-20T09:00:00Z",
        Some("2026-04-20T09:30:00Z"),
    );
    let out = run(&mut store, vec![first, much_later], "2026-04-20T12:00:00Z");
    let events: Vec<_> = out.iter().map(|e| e.event).collect();
    assert_eq!(
        events,
        vec![
            EventKind::Opened,
            EventKind::Resolved,
            EventKind::Closed,
            EventKind::Opened,
            EventKind::Resolved
        ]
    );
    assert!(out[2].closed_at.unwrap() < out[3].opened_at);
    for pair in out
        .windows(2)
        .filter(|w| w[0].incident_id == w[1].incident_id)
    {
        assert!(pair[0].event_at <= pair[1].event_at);
        assert_eq!(pair[0].seq + 1, pair[1].seq);
    }
}

#[test]
fn severity_and_details_changes_are_one_update() {
    let mut store = Vec::new();
    let mut a = obs(Kind::UpdateFailed, "2026-03-02T09:00:00Z", None);
    a.severity = Severity::Warning;
    run(&mut store, vec![a.clone()], "2026-03-02T09:05:00Z");
    let mut b = obs(Kind::UpdateFailed, "2026-03-02T09:04:00Z", None);
    b.severity = Severity::Critical;
    b.details.insert("failed_steps".into(), Value::from(2));
    let out = run(&mut store, vec![a, b], "2026-03-02T09:10:00Z");
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].event, out[0].severity),
        (EventKind::Updated, Severity::Critical)
    );
    assert_eq!(out[0].details["failed_steps"], Value::from(2));
}

#[test]
fn keys_are_independent() {
    let mut store = Vec::new();
    let mut other = obs(Kind::DeviceOffline, "2026-03-02T09:00:00Z", None);
    other.device_id = "dev-2".into();
    let out = run(
        &mut store,
        vec![
            obs(Kind::DeviceOffline, "2026-03-02T09:00:00Z", None),
            other,
            obs(Kind::SignedOut, "2026-03-02T09:00:00Z", None),
        ],
        "2026-03-02T09:30:00Z",
    );
    let mut ids: Vec<_> = out.iter().map(|e| e.incident_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

#[test]
fn detect_from_a_later_date_does_not_resolve_an_open_incident_it_has_no_observations_of() {
    let mut store = Vec::new();
    let opened = run(
        &mut store,
        vec![obs(Kind::DeviceOffline, "2026-03-02T10:00:00Z", None)],
        "2026-03-02T12:00:00Z",
    );
    assert_eq!(opened.len(), 1);
    // Detection later reads only 2026-03-10 on: the incident, last seen on 2026-03-02, has no
    // observation there, which says nothing about whether it cleared.
    let clock = Clock {
        now: t("2026-03-10T12:00:00Z"),
        zones: &zones,
        observed_from: t("2026-03-10T00:00:00Z"),
    };
    let out = decide(&store, Vec::new(), &clock);
    assert!(out.is_empty(), "nothing changes: {:?}", kinds(&out));
    // Evidence in that range that it still holds extends it, without resolving it first.
    let still = obs(Kind::DeviceOffline, "2026-03-10T00:00:00Z", None);
    let out = decide(&store, vec![still], &clock);
    assert_eq!(
        out.iter().map(|e| (e.event, e.state)).collect::<Vec<_>>(),
        vec![(EventKind::Updated, State::Open)]
    );
    assert_eq!(out[0].incident_id, opened[0].incident_id);
    // A range that covers the moment it was last seen, with no condition after it: cleared.
    let clock = Clock {
        observed_from: t("2026-03-02T00:00:00Z"),
        ..clock
    };
    let out = decide(&store, Vec::new(), &clock);
    assert_eq!(out[0].event, EventKind::Resolved);
}
