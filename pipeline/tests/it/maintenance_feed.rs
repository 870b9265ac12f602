//! Maintenance windows below the command line: the window store in a lake directory, and a
//! window over a room during an outage keeping both the incident and its ServiceNow ticket from
//! being opened, while the same outage in a room without a window opens both.

use std::time::Duration;

use roomsight_pipeline::detect::maintenance::{ActiveWindow, honour};
use roomsight_pipeline::feed::{Auth, FeedConfig, Feeder, RetryPolicy, ServiceNowConfig};
use roomsight_pipeline::incidents::{self, IncidentStore, Incidents, Kind};
use roomsight_pipeline::maintenance::{self, MaintenanceError, MaintenanceStore, NewWindow};

use crate::fake_servicenow::{FakeServiceNow, TOKEN};
use crate::incident_store::{offline, t};

fn utc(_: &str) -> chrono_tz::Tz {
    chrono_tz::UTC
}

fn window(room: &str, from: &str, to: &str) -> NewWindow {
    NewWindow {
        room_id: room.into(),
        device_id: None,
        kind: None,
        from: t(from),
        to: t(to),
        reason: "display swap".into(),
        created_by: "facilities".into(),
    }
}

#[tokio::test]
async fn windows_are_added_ended_and_read_back_and_a_backwards_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = MaintenanceStore::open(dir.path().to_str().unwrap()).unwrap();
    let now = t("2026-03-02T09:00:00Z");
    let a = maintenance::add(
        &store,
        window("room-a", "2026-03-02T10:00:00Z", "2026-03-02T12:00:00Z"),
        now,
    )
    .await
    .unwrap();
    let mut b = window("room-b", "2026-03-02T08:00:00Z", "2026-03-02T09:30:00Z");
    b.kind = Some(Kind::DeviceOffline);
    b.device_id = Some("dev-b".into());
    let b = maintenance::add(&store, b, now).await.unwrap();
    assert!(a.window_id.starts_with("mw-") && a.window_id != b.window_id);

    let err = maintenance::add(
        &store,
        window("room-a", "2026-03-02T12:00:00Z", "2026-03-02T11:00:00Z"),
        now,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, MaintenanceError::EndsBeforeStart { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("--to after --from"), "{err}");

    let ended = maintenance::end(&store, &a.window_id, t("2026-03-02T10:30:00Z"))
        .await
        .unwrap();
    assert_eq!(ended.to, t("2026-03-02T10:30:00Z"));
    let all = maintenance::windows(&store).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].to, t("2026-03-02T10:30:00Z"));
    assert_eq!(all[0].ended_at, Some(t("2026-03-02T10:30:00Z")));
    assert_eq!(all[1], b);

    let again = maintenance::end(&store, &a.window_id, t("2026-03-02T11:00:00Z")).await;
    assert!(matches!(again, Err(MaintenanceError::AlreadyOver { .. })));
    let unknown = maintenance::end(&store, "mw-nope", now).await;
    assert!(matches!(unknown, Err(MaintenanceError::NotFound { .. })));
}

#[tokio::test]
async fn a_window_over_a_room_keeps_its_outage_from_opening_an_incident_or_a_ticket() {
    let fake = FakeServiceNow::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap();
    let incidents_store = IncidentStore::open(url).unwrap();
    let windows = MaintenanceStore::open(url).unwrap();
    // `offline("a", …)` is room-a's room system; the window covers the whole room.
    maintenance::add(
        &windows,
        window("room-a", "2026-03-02T09:50:00Z", "2026-03-02T11:00:00Z"),
        t("2026-03-02T09:00:00Z"),
    )
    .await
    .unwrap();
    let active: Vec<ActiveWindow> = maintenance::windows(&windows)
        .await
        .unwrap()
        .iter()
        .map(ActiveWindow::from)
        .collect();
    let seen = vec![
        offline("a", "2026-03-02T10:00:00Z", Some("2026-03-02T10:40:00Z")),
        offline("b", "2026-03-02T10:00:00Z", Some("2026-03-02T10:40:00Z")),
    ];
    let recorded = Incidents::default();
    let (kept, held) = honour(seen, &active, &recorded);
    assert_eq!(held, 1);
    let events = incidents::apply(&incidents_store, kept, &utc, t("2026-03-02T12:00:00Z"))
        .await
        .unwrap();
    assert!(events.iter().all(|e| e.device_id == "b"), "{events:?}");
    assert!(!events.is_empty());

    let mut sn = ServiceNowConfig::new(&fake.url, Auth::Bearer(TOKEN.into()));
    sn.room_names.insert("room-b".into(), "Huddle 2".into());
    let config = FeedConfig {
        servicenow: Some(sn),
        retry: RetryPolicy {
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(500),
            patience: Duration::from_secs(30),
        },
        ..FeedConfig::default()
    };
    let report = Feeder::new(config)
        .unwrap()
        .deliver_pending(&incidents_store)
        .await
        .unwrap();
    assert!(report.all_delivered(), "{report:?}");
    let tickets = fake.tickets();
    assert_eq!(
        tickets.len(),
        1,
        "only the room without a window gets a ticket"
    );
    assert_eq!(tickets[0].field("correlation_id"), events[0].incident_id);
}
