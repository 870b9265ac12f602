//! The consumer-group member starts each partition where the lake says, against a real broker.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use roomsight_ingest::kafka::{
    Assignment, ConsumerConfig, Polled, ProducerConfig, StartOffsets, TelemetryConsumer,
    TelemetryProducer,
};

use crate::broker::Kafka;

struct Fixed(BTreeMap<i32, i64>);

impl StartOffsets for Fixed {
    fn start_offsets(&self, _: &str, partitions: &[i32]) -> Result<BTreeMap<i32, i64>, String> {
        Ok(self
            .0
            .iter()
            .filter(|(p, _)| partitions.contains(p))
            .map(|(p, o)| (*p, *o))
            .collect())
    }
}

#[test]
fn assigned_partitions_start_at_the_lakes_offsets_not_the_groups() {
    let broker = Kafka::start();
    broker.create_topic("t-consume", 2);
    let mut producer = TelemetryProducer::new(&ProducerConfig {
        brokers: broker.brokers(),
        topic: "t-consume".into(),
        options: vec![],
    })
    .unwrap();
    for i in 0..60 {
        let key = format!("device-{}", i % 7);
        producer
            .send(key.as_bytes(), format!("message {i}").as_bytes())
            .unwrap();
    }
    assert_eq!(
        producer.finish(Duration::from_secs(30)).unwrap().delivered,
        60
    );

    // The lake has partition 0 up to offset 3 and has never seen partition 1.
    let lake = Arc::new(Fixed(BTreeMap::from([(0, 3)])));
    let config = ConsumerConfig {
        brokers: broker.brokers(),
        topic: "t-consume".into(),
        group: "ingest-test".into(),
        options: vec![],
    };
    let consumer = TelemetryConsumer::new(&config, lake).unwrap();
    let mut seen: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    let mut ended = BTreeSet::new();
    let mut changes = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while ended.len() < 2 {
        assert!(
            Instant::now() < deadline,
            "did not reach the ends: {seen:?} {changes:?}"
        );
        match consumer.poll(Duration::from_millis(200)).unwrap() {
            Some(Polled::Message(m)) => seen.entry(m.partition).or_default().push(m.offset),
            Some(Polled::End { partition }) => {
                ended.insert(partition);
            }
            None => {}
        }
        changes.extend(consumer.take_assignment_changes());
    }
    assert_eq!(changes, vec![Assignment::Assigned(vec![(0, 3), (1, 0)])]);
    let end = |p: i32| seen.get(&p).and_then(|o| o.last()).map_or(0, |o| o + 1);
    assert_eq!(
        end(0) + end(1),
        60,
        "every message was produced to one of the two partitions"
    );
    assert_eq!(
        seen[&0],
        (3..end(0)).collect::<Vec<_>>(),
        "partition 0 resumes at 3"
    );
    assert_eq!(
        seen[&1],
        (0..end(1)).collect::<Vec<_>>(),
        "partition 1 starts at 0"
    );

    // Group commits are for lag tools only; they succeed against the broker.
    consumer
        .commit(&BTreeMap::from([(0, end(0)), (1, end(1))]))
        .unwrap();
}
