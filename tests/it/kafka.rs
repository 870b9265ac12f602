//! `roomsight simulate --brokers`: every event reaches a real broker once, keyed by device.

use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use crate::roomsight;
use crate::tansu::Tansu;

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
    let broker = Tansu::start();
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
