//! The ServiceNow sink against the fake Table API: one ticket per incident through outages,
//! crashes, refusals and reopenings.

use std::time::Duration;

use roomsight_pipeline::feed::{
    Auth, FeedConfig, FeedReport, Feeder, RetryPolicy, ServiceNowConfig, SinkProgress,
};
use roomsight_pipeline::incidents::{self, EventKind, IncidentEvent, IncidentStore};
use tokio::sync::oneshot;

use crate::fake_servicenow::{FakeServiceNow, TOKEN};
use crate::incident_store::{offline, t};

fn utc(_: &str) -> chrono_tz::Tz {
    chrono_tz::UTC
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        first_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(1500),
        patience: Duration::from_secs(60),
    }
}

fn config(fake: &FakeServiceNow, token: &str) -> FeedConfig {
    let mut sn = ServiceNowConfig::new(&fake.url, Auth::Bearer(token.into()));
    sn.cmdb_ci.insert("room-a".into(), "ci-room-a".into());
    sn.room_names
        .insert("room-a".into(), "Boardroom 4.01".into());
    FeedConfig {
        servicenow: Some(sn),
        retry: quick_retry(),
        ..FeedConfig::default()
    }
}

async fn feed(fake: &FakeServiceNow, store: &IncidentStore) -> FeedReport {
    let mut feeder = Feeder::new(config(fake, TOKEN)).unwrap();
    feeder.deliver_pending(store).await.unwrap()
}

/// A lake with two incidents: `a` opened, still holding; `b` opened and resolved.
async fn two_incidents() -> (tempfile::TempDir, IncidentStore, Vec<IncidentEvent>) {
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::open(dir.path().to_str().unwrap()).unwrap();
    let events = incidents::apply(
        &store,
        vec![
            offline("a", "2026-03-02T10:00:00Z", None),
            offline("b", "2026-03-02T10:00:00Z", Some("2026-03-02T10:20:00Z")),
        ],
        &utc,
        t("2026-03-02T11:00:00Z"),
    )
    .await
    .unwrap();
    (dir, store, events)
}

fn id_of(events: &[IncidentEvent], device: &str) -> String {
    events
        .iter()
        .find(|e| e.device_id == device)
        .unwrap()
        .incident_id
        .clone()
}

#[tokio::test]
async fn one_ticket_per_incident_updates_in_order_and_resolved_tickets_resolved() {
    let fake = FakeServiceNow::start().await;
    let (_dir, store, events) = two_incidents().await;
    let report = feed(&fake, &store).await;
    assert!(report.all_delivered(), "{report:?}");
    assert_eq!(report.sinks[0].delivered, 3);

    // More evidence for `a`, then it clears and resolves; then it flaps back (reopen).
    let later = [
        ("2026-03-02T12:00:00Z", None),
        ("2026-03-02T13:00:00Z", Some("2026-03-02T12:30:00Z")),
    ];
    for (now, end) in later {
        incidents::apply(
            &store,
            vec![offline("a", "2026-03-02T10:00:00Z", end)],
            &utc,
            t(now),
        )
        .await
        .unwrap();
    }
    incidents::apply(
        &store,
        vec![
            offline("a", "2026-03-02T10:00:00Z", Some("2026-03-02T12:30:00Z")),
            offline("a", "2026-03-02T13:10:00Z", None),
        ],
        &utc,
        t("2026-03-02T13:20:00Z"),
    )
    .await
    .unwrap();
    let report = feed(&fake, &store).await;
    assert!(report.all_delivered(), "{report:?}");

    let tickets = fake.tickets();
    assert_eq!(tickets.len(), 2, "exactly one ticket per incident");
    let (a, b) = (id_of(&events, "a"), id_of(&events, "b"));
    let ta = tickets
        .iter()
        .find(|t| t.field("correlation_id") == a)
        .unwrap();
    let tb = tickets
        .iter()
        .find(|t| t.field("correlation_id") == b)
        .unwrap();
    assert_eq!(tb.field("state"), "6", "b was resolved");
    assert_eq!(tb.field("close_code"), "Solved Remotely (Permanently)");
    assert_eq!(ta.field("state"), "2", "a was reopened after resolving");
    assert_eq!((ta.field("urgency"), ta.field("impact")), ("1", "1"));
    assert_eq!(ta.field("category"), "hardware");
    assert_eq!(ta.field("cmdb_ci"), "ci-room-a");
    assert_eq!(
        tb.field("cmdb_ci"),
        "",
        "rooms without a configured CI get none"
    );
    assert!(
        ta.field("short_description")
            .starts_with("Boardroom 4.01: ")
    );
    assert!(ta.field("description").contains(&a));
    assert_eq!(ta.field("correlation_display"), "roomsight");
    // Work notes: one per event after the opening, in seq order, each naming its event id.
    let stored = store.read().await.unwrap().events;
    let expected: Vec<String> = stored
        .iter()
        .filter(|e| e.incident_id == a && e.event != EventKind::Opened)
        .map(|e| e.event_id())
        .collect();
    assert_eq!(expected.len(), 3, "{stored:#?}");
    let notes: Vec<&str> = ta.work_notes.iter().map(String::as_str).collect();
    assert_eq!(notes.len(), expected.len(), "{notes:#?}");
    for (note, id) in notes.iter().zip(&expected) {
        assert!(
            note.starts_with(&format!("[roomsight {id}]")),
            "{note} vs {id}"
        );
    }
    // Nothing pending: a further pass sends nothing.
    let before = fake.requests().len();
    let report = feed(&fake, &store).await;
    assert_eq!(report.sinks[0].delivered, 0);
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test]
async fn an_outage_of_503s_with_retry_after_delays_but_loses_nothing() {
    let fake = FakeServiceNow::start().await;
    let (_dir, store, _) = two_incidents().await;
    // The instance is down for a while: longer than one pass's patience.
    fake.with(|s| {
        for _ in 0..4 {
            s.failures.push_back((503, Some("1".into())));
        }
    });
    let mut short = config(&fake, TOKEN);
    short.retry.patience = Duration::from_millis(1);
    short.retry.max_delay = Duration::from_millis(20);
    let mut feeder = Feeder::new(short).unwrap();
    let report = feeder.deliver_pending(&store).await.unwrap();
    assert!(!report.all_delivered());
    assert_eq!(report.sinks[0].pending, 3, "{report:?}");
    assert!(
        report.sinks[0]
            .unavailable
            .as_deref()
            .unwrap()
            .contains("503")
    );
    assert!(fake.tickets().is_empty());
    // Still down at the next pass, then back: this pass waits it out (Retry-After honoured,
    // capped by the policy) and delivers everything.
    let report = feed(&fake, &store).await;
    assert!(report.all_delivered(), "{report:?}");
    assert_eq!(fake.tickets().len(), 2);
    assert!(fake.with(|s| s.failures.is_empty()));
    assert_eq!(
        fake.tickets()
            .iter()
            .filter(|t| t.field("state") == "6")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_crash_between_post_and_bookkeeping_still_yields_one_ticket() {
    let fake = FakeServiceNow::start().await;
    let (dir, store, events) = two_incidents().await;
    let (told, posted) = oneshot::channel();
    fake.with(|s| s.hang_next_post = Some(told));
    let url = dir.path().to_str().unwrap().to_string();
    let cfg = config(&fake, TOKEN);
    let crashing = tokio::spawn(async move {
        let store = IncidentStore::open(&url).unwrap();
        let mut feeder = Feeder::new(cfg).unwrap();
        feeder.deliver_pending(&store).await
    });
    // The ticket exists on the ServiceNow side; the feeder dies before it hears back.
    posted.await.unwrap();
    crashing.abort();
    assert!(crashing.await.unwrap_err().is_cancelled());
    assert_eq!(fake.tickets().len(), 1);
    let progress = SinkProgress::load(store.object_store(), "servicenow")
        .await
        .unwrap();
    assert!(progress.incidents.values().all(|p| p.ticket.is_none()));

    let report = feed(&fake, &store).await;
    assert!(report.all_delivered(), "{report:?}");
    let tickets = fake.tickets();
    assert_eq!(
        tickets.len(),
        2,
        "the crashed POST's ticket was found, not duplicated"
    );
    for device in ["a", "b"] {
        let id = id_of(&events, device);
        assert_eq!(
            tickets
                .iter()
                .filter(|t| t.field("correlation_id") == id)
                .count(),
            1
        );
    }
    let lookups = fake
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET") && r.contains("correlation_id"))
        .count();
    assert!(lookups >= 3, "every opening looks up first");
}

#[tokio::test]
async fn refused_credentials_stop_the_sink_with_a_configuration_error() {
    let fake = FakeServiceNow::start().await;
    let (_dir, store, _) = two_incidents().await;
    let mut feeder = Feeder::new(config(&fake, "wrong-token")).unwrap();
    let report = feeder.deliver_pending(&store).await.unwrap();
    let sink = &report.sinks[0];
    let stopped = sink.stopped.as_deref().unwrap();
    assert!(
        stopped.contains("credentials") && stopped.contains("401"),
        "{stopped}"
    );
    assert!(!stopped.contains("wrong-token"));
    assert_eq!(sink.pending, 3);
    assert!(fake.tickets().is_empty());
    assert_eq!(fake.requests().len(), 1, "stops at the first refusal");
    assert!(!feeder.has_sinks(), "a stopped sink stays stopped");
}

#[tokio::test]
async fn a_400_parks_one_incident_and_the_others_still_deliver() {
    let fake = FakeServiceNow::start().await;
    let (_dir, store, events) = two_incidents().await;
    let a = id_of(&events, "a");
    fake.with(|s| s.reject_correlation = Some(a.clone()));
    let report = feed(&fake, &store).await;
    let sink = &report.sinks[0];
    assert_eq!(sink.parked.len(), 1);
    assert_eq!(sink.parked[0].0, a);
    assert!(sink.parked[0].1.error.contains("400"), "{:?}", sink.parked);
    assert_eq!(sink.delivered, 2, "b's opening and resolution");
    assert_eq!(fake.tickets().len(), 1);
    // Parked in the lake, and not retried by the next pass.
    let progress = SinkProgress::load(store.object_store(), "servicenow")
        .await
        .unwrap();
    assert_eq!(progress.incidents[&a].parked.as_ref().unwrap().seq, 1);
    let before = fake.requests().len();
    let report = feed(&fake, &store).await;
    assert_eq!(report.sinks[0].parked.len(), 1);
    assert_eq!(fake.requests().len(), before);
    // Fixed on the ServiceNow side; retried on request.
    fake.with(|s| s.reject_correlation = None);
    let mut cfg = config(&fake, TOKEN);
    cfg.retry_parked = true;
    let report = Feeder::new(cfg)
        .unwrap()
        .deliver_pending(&store)
        .await
        .unwrap();
    assert!(report.all_delivered(), "{report:?}");
    assert_eq!(fake.tickets().len(), 2);
}

#[tokio::test]
async fn reopening_a_ticket_closed_on_the_servicenow_side_opens_a_new_one() {
    let fake = FakeServiceNow::start().await;
    let (_dir, store, events) = two_incidents().await;
    assert!(feed(&fake, &store).await.all_delivered());
    let b = id_of(&events, "b");
    // Someone closes b's ticket in ServiceNow; then b's condition returns within the hour.
    let old = fake.with(|s| {
        let t = s
            .tickets
            .iter_mut()
            .find(|t| t.field("correlation_id") == b)
            .unwrap();
        t.fields.insert("state".into(), "7".into());
        t.number.clone()
    });
    let out = incidents::apply(
        &store,
        vec![
            offline("b", "2026-03-02T10:00:00Z", Some("2026-03-02T10:20:00Z")),
            offline("b", "2026-03-02T11:10:00Z", None),
        ],
        &utc,
        t("2026-03-02T11:15:00Z"),
    )
    .await
    .unwrap();
    let reopened = out
        .iter()
        .find(|e| e.incident_id == b && e.event == EventKind::Reopened)
        .unwrap_or_else(|| panic!("{out:#?}"));
    assert!(feed(&fake, &store).await.all_delivered());
    let tickets = fake.tickets();
    assert_eq!(tickets.len(), 3);
    let new = tickets.last().unwrap();
    // The documented rule: `<incident_id>/r<seq of the reopened event>`.
    assert_eq!(
        new.field("correlation_id"),
        format!("{b}/r{}", reopened.seq)
    );
    assert!(
        new.field("description").contains(&old),
        "{}",
        new.field("description")
    );
}

#[tokio::test]
async fn a_404_on_update_recreates_the_ticket() {
    let fake = FakeServiceNow::start().await;
    let (_dir, store, events) = two_incidents().await;
    assert!(feed(&fake, &store).await.all_delivered());
    let a = id_of(&events, "a");
    fake.with(|s| s.tickets.retain(|t| t.field("correlation_id") != a));
    let out = incidents::apply(
        &store,
        vec![offline("a", "2026-03-02T10:00:00Z", None)],
        &utc,
        t("2026-03-02T12:00:00Z"),
    )
    .await
    .unwrap();
    assert!(
        out.iter()
            .any(|e| e.incident_id == a && e.event == EventKind::Updated),
        "{out:#?}"
    );
    let report = feed(&fake, &store).await;
    assert!(report.all_delivered(), "{report:?}");
    let tickets = fake.tickets();
    let ta: Vec<_> = tickets
        .iter()
        .filter(|t| t.field("correlation_id") == a)
        .collect();
    assert_eq!(ta.len(), 1);
    assert_eq!(
        ta[0].work_notes.len(),
        1,
        "the update landed on the new ticket"
    );
}
