//! The Kafka sink against Apache Kafka: incident events reach `room-incidents`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use roomsight_pipeline::feed::{FeedConfig, Feeder, KafkaSinkConfig};
use roomsight_pipeline::incidents::{self, IncidentStore};
use serde_json::Value;

use crate::broker::Kafka;
use crate::incident_store::{offline, t};

#[test]
fn incident_events_reach_room_incidents_keyed_by_incident_in_order() {
    let broker = Kafka::start();
    broker.create_topic("room-incidents", 3);
    let brokers = broker.brokers();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(deliver_and_check(brokers));
}

async fn deliver_and_check(brokers: String) {
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::open(dir.path().to_str().unwrap()).unwrap();
    let events = incidents::apply(
        &store,
        vec![
            offline("a", "2026-03-02T10:00:00Z", Some("2026-03-02T10:10:00Z")),
            offline("a", "2026-03-02T11:00:00Z", Some("2026-03-02T11:05:00Z")),
            offline("b", "2026-03-02T10:00:00Z", None),
        ],
        &|_| chrono_tz::UTC,
        t("2026-03-02T12:00:00Z"),
    )
    .await
    .unwrap();
    let mut feeder = Feeder::new(FeedConfig {
        kafka: Some(KafkaSinkConfig::new(brokers.clone())),
        ..FeedConfig::default()
    })
    .unwrap();
    let report = feeder.deliver_pending(&store).await.unwrap();
    assert!(report.all_delivered(), "{report:?}");
    assert_eq!(report.sinks[0].delivered, events.len());
    // A second pass sends nothing.
    assert_eq!(
        feeder.deliver_pending(&store).await.unwrap().sinks[0].delivered,
        0
    );

    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "incidents-check")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..3 {
        tpl.add_partition_offset("room-incidents", p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut by_key: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while by_key.values().map(Vec::len).sum::<usize>() < events.len() && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let key = String::from_utf8(m.key().unwrap().to_vec()).unwrap();
            let value: Value = serde_json::from_slice(m.payload().unwrap()).unwrap();
            by_key.entry(key).or_default().push(value);
        }
    }
    for e in &events {
        let got = &by_key[&e.incident_id];
        let sent: Vec<&str> = got.iter().map(|v| v["event"].as_str().unwrap()).collect();
        let expected: Vec<&str> = events
            .iter()
            .filter(|x| x.incident_id == e.incident_id)
            .map(|x| x.event.as_str())
            .collect();
        assert_eq!(sent, expected, "in order per incident");
        let fields: Vec<&str> = got[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut want = vec![
            "details",
            "device_id",
            "event",
            "event_at",
            "incident_id",
            "kind",
            "opened_at",
            "peripheral_id",
            "room_id",
            "severity",
            "state",
            "summary",
        ];
        want.sort();
        let mut fields = fields;
        fields.sort();
        assert_eq!(fields, want, "exactly the fields of docs/incidents.md");
    }
}
