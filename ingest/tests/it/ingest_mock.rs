//! The Kafka ingest loop: everything lands once and rejects land as dead letters, in the lake and
//! on the dead-letter topic (against Apache Kafka); two members of one group split the work
//! (against librdkafka's in-process mock cluster).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use rdkafka::mocking::MockCluster;
use roomsight_ingest::kafka::{ConsumerConfig, ProducerConfig, TelemetryProducer};
use roomsight_ingest::lake::encode::decode;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::metrics::Metrics;
use roomsight_ingest::run::kafka::{KafkaRun, run};
use roomsight_ingest::run::{RunSummary, Shutdown};
use roomsight_ingest::schema::Table;
use roomsight_ingest::writer::{LakeWriter, WriterConfig};
use tokio::runtime::Runtime;

use crate::broker::Kafka;

const TOPIC: &str = "room-telemetry";
const DLQ: &str = "room-telemetry-dlq";

/// Reads `n` messages of the DLQ topic and counts them by key.
fn dlq_keys(brokers: &str, n: usize) -> BTreeMap<String, usize> {
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::Message;
    use rdkafka::{Offset, TopicPartitionList};
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "dlq-check")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(DLQ, 0, Offset::Beginning).unwrap();
    consumer.assign(&tpl).unwrap();
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while keys.values().sum::<usize>() < n && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let key = String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned();
            *keys.entry(key).or_default() += 1;
        }
    }
    keys
}

fn heartbeat(id: &str, device: &str) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"heartbeat","event_id":"{id}","ts":"2026-11-24T09:15:00Z","device_id":"{device}","room_id":"room-1","platform":"windows","app_version":"5.2","os_version":"10.0","teams_signed_in":true,"exchange_signed_in":true,"cpu_pct":12.5,"mem_pct":40,"uptime_s":3600}}"#
    )
}

/// One message per contract reason that fits in a Kafka message, with the reason's name.
fn rejects() -> Vec<(&'static str, String)> {
    let hb = heartbeat("bad", "dev-x");
    vec![
        ("malformed", "{\"schema\":".to_string()),
        (
            "unknown_schema",
            hb.replace("roomsight.telemetry/v1", "roomsight.telemetry/v9"),
        ),
        ("unknown_type", hb.replace("\"heartbeat\"", "\"teleport\"")),
        ("missing_field", hb.replace("\"device_id\":\"dev-x\",", "")),
        (
            "wrong_type",
            hb.replace("\"cpu_pct\":12.5", "\"cpu_pct\":\"high\""),
        ),
        (
            "out_of_range",
            hb.replace("\"cpu_pct\":12.5", "\"cpu_pct\":150"),
        ),
        (
            "future_ts",
            hb.replace("2026-11-24T09:15:00Z", "2999-01-01T00:00:00Z"),
        ),
    ]
}

fn produce(brokers: &str, lines: &[(String, String)]) {
    let mut producer = TelemetryProducer::new(&ProducerConfig {
        brokers: brokers.into(),
        topic: TOPIC.into(),
        options: vec![],
    })
    .unwrap();
    for (key, line) in lines {
        producer.send(key.as_bytes(), line.as_bytes()).unwrap();
    }
    let report = producer.finish(Duration::from_secs(30)).unwrap();
    assert_eq!(report.delivered, lines.len() as u64);
}

fn writer(runtime: &Runtime, lake: &Lake, id: &str) -> LakeWriter {
    let config = WriterConfig {
        flush_bytes: 64 << 10,
        flush_age: Duration::from_millis(300),
        writer_id: id.into(),
        ..WriterConfig::default()
    };
    LakeWriter::open(
        lake.clone(),
        runtime.handle().clone(),
        config,
        Arc::new(Metrics::new()),
    )
    .unwrap()
}

fn kafka_run(brokers: &str, once: bool) -> KafkaRun {
    kafka_run_with_dlq(brokers, once, None)
}

fn kafka_run_with_dlq(brokers: &str, once: bool, dlq_topic: Option<&str>) -> KafkaRun {
    KafkaRun {
        consumer: ConsumerConfig {
            brokers: brokers.into(),
            topic: TOPIC.into(),
            group: "ingest".into(),
            options: vec![],
        },
        once,
        lag_interval: Duration::from_secs(1),
        dlq_topic: dlq_topic.map(String::from),
        on_gap: roomsight_ingest::run::kafka::OnGap::Record,
    }
}

/// Every value of `column` in the live files of `table`, per the lake's log.
fn column(runtime: &Runtime, lake: &Lake, table: Table, column: &str) -> Vec<String> {
    runtime.block_on(async {
        let state = lake.state().await.unwrap();
        let mut out = Vec::new();
        for file in state.files.values().filter(|f| f.table == table.name()) {
            let got = lake
                .store()
                .get(&Path::from(file.path.as_str()))
                .await
                .unwrap();
            for batch in decode(got.bytes().await.unwrap(), Some(&[column])).unwrap() {
                let values = batch.column(0).as_string::<i32>();
                out.extend(values.iter().map(|v| v.unwrap_or_default().to_string()));
            }
        }
        out.sort();
        out
    })
}

#[test]
fn every_event_lands_once_and_every_reject_lands_as_a_dead_letter() {
    let broker = Kafka::start();
    broker.create_topic(TOPIC, 4);
    broker.create_topic(DLQ, 1);
    let brokers = broker.brokers();
    let mut lines = Vec::new();
    let mut expected = BTreeSet::new();
    for i in 0..2_000 {
        let device = format!("dev-{}", i % 23);
        let id = format!("e{i}");
        lines.push((device.clone(), heartbeat(&id, &device)));
        expected.insert(id.clone());
        if i % 20 == 0 {
            // A producer's resend: same event, same key, later.
            lines.push((device.clone(), heartbeat(&id, &device)));
        }
        if i % 300 == 0 {
            for (_, bad) in rejects() {
                lines.push((device.clone(), bad));
            }
        }
    }
    produce(&brokers, &lines);

    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let runtime = Runtime::new().unwrap();
    let summary = run(
        &kafka_run_with_dlq(&brokers, true, Some(DLQ)),
        writer(&runtime, &lake, "w1"),
        &Shutdown::new(),
    )
    .unwrap();
    assert!(summary.commits >= 1);

    let ids = column(&runtime, &lake, Table::Heartbeats, "event_id");
    assert_eq!(ids.len(), expected.len(), "no event missing, none twice");
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), expected);

    let reasons = column(&runtime, &lake, Table::DeadLetters, "reason");
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for r in reasons {
        *by_reason.entry(r).or_default() += 1;
    }
    let rounds = (0..2_000).filter(|i| i % 300 == 0).count();
    let want: BTreeMap<String, usize> = rejects()
        .into_iter()
        .map(|(r, _)| (r.to_string(), rounds))
        .collect();
    assert_eq!(by_reason, want);
    // The optional DLQ topic got the same rejects, keyed by reason.
    assert_eq!(dlq_keys(&brokers, want.values().sum()), want);

    // The lake's offsets account for every message of every partition.
    let state = runtime.block_on(lake.state()).unwrap();
    let next: i64 = state
        .source_offsets(&format!("kafka:{TOPIC}"))
        .values()
        .sum();
    assert_eq!(next, lines.len() as i64);

    // A second run finds nothing new.
    let again = run(
        &kafka_run(&brokers, true),
        writer(&runtime, &lake, "w2"),
        &Shutdown::new(),
    )
    .unwrap();
    assert_eq!(again, RunSummary::default());
}

#[test]
fn two_members_of_one_group_split_the_partitions_and_land_everything_once() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(TOPIC, 6, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let runtime = Arc::new(Runtime::new().unwrap());
    let shutdown = Shutdown::new();

    let members: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|id| {
            let (brokers, lake, runtime, shutdown) = (
                brokers.clone(),
                lake.clone(),
                Arc::clone(&runtime),
                shutdown.clone(),
            );
            std::thread::spawn(move || {
                run(
                    &kafka_run(&brokers, false),
                    writer(&runtime, &lake, id),
                    &shutdown,
                )
                .unwrap()
            })
        })
        .collect();

    // Stream for a while so both members hold partitions while messages arrive.
    let mut expected = BTreeSet::new();
    for round in 0..20 {
        let batch: Vec<(String, String)> = (0..250)
            .map(|i| {
                let n = round * 250 + i;
                let device = format!("dev-{}", n % 41);
                expected.insert(format!("e{n}"));
                (device.clone(), heartbeat(&format!("e{n}"), &device))
            })
            .collect();
        produce(&brokers, &batch);
        std::thread::sleep(Duration::from_millis(150));
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let landed = column(&runtime, &lake, Table::Heartbeats, "event_id").len();
        if landed >= expected.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {landed} of {} landed within 90 s",
            expected.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    shutdown.request();
    for member in members {
        member.join().unwrap();
    }

    let ids = column(&runtime, &lake, Table::Heartbeats, "event_id");
    assert_eq!(ids.len(), expected.len(), "none twice");
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), expected);

    // Both members committed partitions of their own.
    let writers: BTreeSet<String> = runtime.block_on(async {
        let state = lake.state().await.unwrap();
        let mut writers = BTreeSet::new();
        for version in 1..=state.version {
            let commit = roomsight_ingest::lake::log::read_commit(lake.store(), version)
                .await
                .unwrap()
                .unwrap();
            if !commit.add.is_empty() {
                writers.insert(commit.writer);
            }
        }
        writers
    });
    assert_eq!(writers, BTreeSet::from(["a".to_string(), "b".to_string()]));
}
