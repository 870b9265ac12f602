//! Gaps are never silent: records deleted from Kafka before the ingest read them (as retention
//! would) are counted in `/metrics`, recorded in the lake and shown by `lake status`, and
//! `ingest --on-gap fail` stops instead.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use roomsight_ingest::lake::store::Lake;

use crate::broker::Kafka;
use crate::ingest_kafka::{
    Member, TOPIC, assert_exactly, day_ids, ids_of, ingest_command, produce_day, rows_in,
    terminate, wait_until_caught_up, wait_with_timeout,
};
use crate::roomsight;

/// Where the lake continues in partition 0 of the topic.
fn lake_offset(lake: &Lake) -> Option<i64> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = runtime.block_on(lake.state()).unwrap();
    state
        .source_offsets(&format!("kafka:{TOPIC}"))
        .get(&0)
        .copied()
}

/// The payloads of partition 0 from its start (after deletions) to `end`.
fn payloads(broker: &Kafka, end: i64) -> Vec<u8> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.brokers())
        .set("group.id", "gap-test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(TOPIC, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&tpl).unwrap();
    let mut text = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut next = 0;
    while next < end {
        assert!(
            Instant::now() < deadline,
            "could not read the topic up to {end}"
        );
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            text.extend_from_slice(m.payload().unwrap_or_default());
            text.push(b'\n');
            next = m.offset() + 1;
        }
    }
    text
}

#[test]
fn a_gap_is_counted_recorded_and_reported_and_on_gap_fail_stops() {
    let broker = Kafka::start();
    broker.create_topic(TOPIC, 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lake");
    let url = path.to_str().unwrap();
    let lake = Lake::open(url).unwrap();
    let first_day = day_ids(dir.path(), "2", 0);
    day_ids(dir.path(), "2", 1);

    // A first day lands.
    assert!(
        wait_with_timeout(&mut produce_day(&broker, "2", 0), Duration::from_secs(120)).success()
    );
    let mut once = ingest_command(&broker, url, &[], true).spawn().unwrap();
    assert!(wait_with_timeout(&mut once, Duration::from_secs(120)).success());
    let landed = lake_offset(&lake).unwrap();

    // The next day arrives, and its first half is deleted before any ingest reads it.
    assert!(
        wait_with_timeout(&mut produce_day(&broker, "2", 1), Duration::from_secs(120)).success()
    );
    let end = broker.high_watermarks(TOPIC, 1)[0].1;
    let cut = landed + (end - landed) / 2;
    assert!(landed < cut && cut < end, "{landed} < {cut} < {end}");
    assert_eq!(broker.delete_records(TOPIC, 0, cut), cut);

    // --on-gap fail: exit 1, saying which offsets are gone; the lake stays where it was.
    let failed = ingest_command(&broker, url, &[], true)
        .args(["--on-gap", "fail"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("offsets [{landed}, {cut}) are no longer in Kafka"))
            && stderr.contains("--on-gap record"),
        "{stderr}"
    );
    assert_eq!(lake_offset(&lake), Some(landed));

    // By default the gap is recorded and the ingest goes on.
    let mut member = Member::start_with(ingest_command(&broker, url, &[], false));
    wait_until_caught_up(&broker, &lake, 1, Duration::from_secs(120));
    let metrics = member.scrape();
    let counted = format!(
        "roomsight_ingest_gap_messages_total{{topic=\"{TOPIC}\",partition=\"0\"}} {}\n",
        cut - landed
    );
    assert!(metrics.contains(&counted), "{metrics}");
    terminate(member.child());

    let status = roomsight()
        .args(["lake", "status", "--lake", url, "--format", "json"])
        .output()
        .unwrap();
    assert!(status.status.success());
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        status["gaps"],
        serde_json::json!([{
            "source": format!("kafka:{TOPIC}"),
            "partition": 0,
            "gaps": 1,
            "offsets": cut - landed,
            "last": [landed, cut],
        }])
    );
    let text = roomsight()
        .args(["lake", "status", "--lake", url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("[{landed}, {cut})")), "{text}");

    // The lake holds the first day and what Kafka still had of the second, once each.
    let kept = ids_of(&payloads(&broker, end));
    let want: BTreeSet<String> = first_day.union(&kept).cloned().collect();
    assert_exactly(rows_in(&lake), &want);
}
