//! Against Apache Kafka: `roomsight simulate --brokers` delivers every event once, keyed by
//! device, and `roomsight demo --brokers` streams a fleet through it into the lake.

use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use crate::broker::Kafka;
use crate::roomsight;

const PARTITIONS: i32 = 4;

/// Every message of `topic`: (partition, key, payload).
fn consume_all(brokers: &str, topic: &str, expected: usize) -> Vec<(i32, Vec<u8>, Vec<u8>)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "roomsight-test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while out.len() < expected && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let key = m.key().unwrap_or_default().to_vec();
            out.push((m.partition(), key, m.payload().unwrap_or_default().to_vec()));
        }
    }
    // Nothing beyond what was produced.
    let _ = consumer.poll(Duration::from_millis(500)).map(|m| {
        panic!("an extra message: {:?}", m.map(|m| m.offset()));
    });
    out
}

#[test]
fn simulate_produces_every_event_once_keyed_by_device_id() {
    let broker = Kafka::start();
    broker.create_topic("sim-telemetry", PARTITIONS as u32);
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "--rooms",
        "3",
        "--days",
        "1",
        "--start",
        "2026-11-02",
        "--seed",
        "4",
    ];
    roomsight()
        .arg("simulate")
        .args(flags)
        .args([
            "--brokers",
            &broker.brokers(),
            "--topic",
            "sim-telemetry",
            "--out",
        ])
        .arg(dir.path().join("k"))
        .assert()
        .success();
    roomsight()
        .arg("simulate")
        .args(flags)
        .arg("--out")
        .arg(dir.path().join("f"))
        .assert()
        .success();

    let file = std::fs::read_to_string(dir.path().join("f/events.ndjson")).unwrap();
    let mut expected: Vec<&str> = file.lines().collect();
    let messages = consume_all(&broker.brokers(), "sim-telemetry", expected.len());
    assert_eq!(messages.len(), expected.len(), "every event once");
    assert!(dir.path().join("k/rooms.csv").is_file() && dir.path().join("k/faults.csv").is_file());

    let mut device_partition = std::collections::HashMap::new();
    let mut got: Vec<String> = Vec::new();
    for (partition, key, payload) in &messages {
        let event: serde_json::Value = serde_json::from_slice(payload).unwrap();
        let device = event["device_id"].as_str().unwrap();
        assert_eq!(key, device.as_bytes(), "the key is the payload's device_id");
        let first = *device_partition
            .entry(device.to_string())
            .or_insert(*partition);
        assert_eq!(
            first, *partition,
            "one device's events stay in one partition"
        );
        got.push(String::from_utf8(payload.clone()).unwrap());
    }
    expected.sort_unstable();
    got.sort_unstable();
    assert_eq!(
        got, expected,
        "Kafka holds exactly the events of the file output"
    );
}

#[test]
fn an_unreachable_broker_fails_with_exit_1_and_says_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    roomsight()
        .args([
            "simulate",
            "--rooms",
            "1",
            "--days",
            "1",
            "--start",
            "2026-11-02",
        ])
        .args([
            "--brokers",
            &format!("127.0.0.1:{port}"),
            "--kafka-option",
            "message.timeout.ms=2000",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("were not delivered"));
}

#[test]
fn the_demo_streams_through_apache_kafka_into_the_lake() {
    let broker = Kafka::start();
    broker.create_topic("roomsight-demo", PARTITIONS as u32);
    let dir = tempfile::tempdir().unwrap();
    let out = roomsight()
        .args(["demo", "--rooms", "2", "--days", "1"])
        .args(["--brokers", &broker.brokers(), "--dir"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(&format!("streamed through Kafka at {}", broker.brokers())),
        "{text}"
    );
    let events: u64 = text
        .lines()
        .find_map(|l| l.split(": ").nth(1)?.split(' ').next()?.parse().ok())
        .expect("the summary names the number of events");

    let status = roomsight()
        .args(["lake", "status", "--format", "json", "--lake"])
        .arg(dir.path().join("lake"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: serde_json::Value = serde_json::from_slice(&status).unwrap();
    // Every distinct event once (compaction dropped the resends), and every offset the broker
    // holds consumed.
    let telemetry = [
        "heartbeats",
        "peripheral_states",
        "meetings",
        "bookings",
        "updates",
        "enrollments",
        "logs",
    ];
    let rows: u64 = status["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| telemetry.contains(&t["table"].as_str().unwrap()))
        .map(|t| t["rows"].as_u64().unwrap())
        .sum();
    assert_eq!(rows, events, "{text}");
    let consumed: i64 = status["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["source"] == "kafka:roomsight-demo")
        .map(|o| o["next_offset"].as_i64().unwrap())
        .sum();
    let held: i64 = broker
        .high_watermarks("roomsight-demo", PARTITIONS)
        .iter()
        .map(|(_, end)| end)
        .sum();
    assert_eq!(consumed, held, "{status}");
}
