//! The incident store and lifecycle against a lake directory.

use chrono::{DateTime, Duration, Utc};
use roomsight_pipeline::incidents::{
    self, CustomerReport, EventKind, IncidentError, IncidentStore, Kind, Observation, Origin,
    Severity, State, store::batch_path,
};
use serde_json::{Map, Value};

pub(crate) fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(crate) fn offline(device: &str, start: &str, end: Option<&str>) -> Observation {
    let mut details = Map::new();
    details.insert("missed_heartbeats".into(), Value::from(12));
    Observation {
        kind: Kind::DeviceOffline,
        severity: Severity::Critical,
        room_id: format!("room-{device}"),
        device_id: device.into(),
        peripheral_id: None,
        start: t(start),
        end: end.map(t),
        summary: format!("no heartbeat from {device}"),
        details,
    }
}

fn utc_zone(_: &str) -> chrono_tz::Tz {
    chrono_tz::UTC
}

#[tokio::test]
async fn events_round_trip_through_parquet_batches() {
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::open(dir.path().to_str().unwrap()).unwrap();
    assert_eq!(store.read().await.unwrap().events.len(), 0);
    let now = t("2026-03-02T12:00:00Z");
    let first = incidents::apply(
        &store,
        vec![
            offline("a", "2026-03-02T10:00:00Z", Some("2026-03-02T10:30:00Z")),
            offline("b", "2026-03-02T11:00:00Z", None),
        ],
        &utc_zone,
        now,
    )
    .await
    .unwrap();
    assert_eq!(first.len(), 3); // a opened + resolved, b opened
    assert!(dir.path().join(batch_path(1).as_ref()).is_file());
    let snapshot = store.read().await.unwrap();
    assert_eq!(snapshot.batch, 1);
    assert_eq!(snapshot.events, first);
    assert_eq!(
        snapshot.events[0].details["missed_heartbeats"],
        Value::from(12)
    );
    assert_eq!(snapshot.events[0].peripheral_id, None);

    // Deterministic: the same observations write nothing.
    let again = incidents::apply(
        &store,
        vec![
            offline("a", "2026-03-02T10:00:00Z", Some("2026-03-02T10:30:00Z")),
            offline("b", "2026-03-02T11:00:00Z", None),
        ],
        &utc_zone,
        now,
    )
    .await
    .unwrap();
    assert!(again.is_empty());
    assert!(!dir.path().join(batch_path(2).as_ref()).exists());
}

#[tokio::test]
async fn concurrent_writers_never_fork_an_incident() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let now = t("2026-03-02T12:00:00Z");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6 {
        let store = IncidentStore::open(&url).unwrap();
        tasks.spawn(async move {
            let seen = vec![offline("a", "2026-03-02T10:00:00Z", None)];
            incidents::apply(&store, seen, &utc_zone, now + Duration::minutes(i))
                .await
                .unwrap()
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let store = IncidentStore::open(&url).unwrap();
    let events = store.read().await.unwrap().events;
    let opened = events
        .iter()
        .filter(|e| e.event == EventKind::Opened)
        .count();
    assert_eq!(opened, 1, "{events:#?}");
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
}

#[tokio::test]
async fn people_open_and_close_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::open(dir.path().to_str().unwrap()).unwrap();
    let report = CustomerReport {
        kind: Kind::PeripheralDisconnected,
        severity: None,
        room_id: "room-1".into(),
        device_id: "dev-1".into(),
        peripheral_id: Some("cam-1".into()),
        summary: "camera shows nothing".into(),
    };
    let now = t("2026-03-02T12:00:00Z");
    let opened = incidents::open_customer(&store, report.clone(), now)
        .await
        .unwrap();
    assert_eq!(
        (opened.origin, opened.state),
        (Origin::Customer, State::Open)
    );
    assert_eq!(opened.severity, Severity::Critical);
    let again = incidents::open_customer(&store, report, now).await;
    assert!(
        matches!(again, Err(IncidentError::AlreadyOpen { .. })),
        "{again:?}"
    );

    let closed = incidents::close(&store, &opened.incident_id, Some("replaced".into()), now)
        .await
        .unwrap();
    assert_eq!((closed.seq, closed.state), (2, State::Closed));
    assert_eq!(closed.closed_at, Some(now));
    let twice = incidents::close(&store, &opened.incident_id, None, now).await;
    assert!(matches!(twice, Err(IncidentError::AlreadyClosed { .. })));
    let missing = incidents::close(&store, "nope", None, now).await;
    assert!(matches!(missing, Err(IncidentError::NotFound { .. })));
    let history = incidents::history(&store, &opened.incident_id)
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
}

#[tokio::test]
async fn a_person_cannot_close_a_system_incident_that_is_still_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::open(dir.path().to_str().unwrap()).unwrap();
    let now = t("2026-03-02T12:00:00Z");
    let opened = incidents::apply(
        &store,
        vec![offline("a", "2026-03-02T10:00:00Z", None)],
        &utc_zone,
        now,
    )
    .await
    .unwrap();
    let id = opened[0].incident_id.clone();
    assert_eq!(
        (opened[0].origin, opened[0].state),
        (Origin::System, State::Open)
    );
    let refused = incidents::close(&store, &id, None, now).await;
    let Err(e @ IncidentError::StillOpen { .. }) = refused else {
        panic!("closing an open system incident must be refused: {refused:?}");
    };
    assert!(e.to_string().contains("resolved before"), "{e}");
    assert_eq!(
        store.read().await.unwrap().events.len(),
        1,
        "nothing written"
    );

    // Once resolved (clear for 15 minutes), a person may close it.
    let later = t("2026-03-02T13:00:00Z");
    let resolved = incidents::apply(
        &store,
        vec![offline(
            "a",
            "2026-03-02T10:00:00Z",
            Some("2026-03-02T12:10:00Z"),
        )],
        &utc_zone,
        later,
    )
    .await
    .unwrap();
    assert_eq!(resolved.last().unwrap().state, State::Resolved);
    let closed = incidents::close(&store, &id, None, later).await.unwrap();
    assert_eq!(closed.state, State::Closed);
}
