//! A consumer group of `roomsight ingest` processes on Apache Kafka, changed while data flows:
//! members join, leave and are SIGKILLed mid-stream, and every event lands exactly once — in an
//! S3 lake (moto), and with the survivors of a kill taking over its partitions within the
//! session timeout.

use std::collections::BTreeSet;
use std::time::Duration;

use roomsight_ingest::lake::store::Lake;

use crate::broker::Kafka;
use crate::ingest_kafka::{
    Member, Random, SESSION_TIMEOUT, Stream, TOPIC, assert_exactly, day_ids, events_file,
    lake_version, rows_in, settle, terminate, wait_for_commit_after, wait_until_caught_up,
};
use crate::moto::Moto;

#[test]
fn a_group_with_joins_leaves_and_a_killed_member_lands_everything_once_on_s3() {
    let broker = Kafka::start();
    broker.create_topic(TOPIC, 6);
    let moto = Moto::start();
    moto.create_bucket("group-lake");
    let dir = tempfile::tempdir().unwrap();
    // Three days of a fleet, streamed one after the other: each change to the group happens
    // while a day streams in.
    let want: BTreeSet<String> = (0..3)
        .flat_map(|day| day_ids(dir.path(), "4", day))
        .collect();
    let url = "s3://group-lake/estate";
    let env = moto.env();
    let lake = {
        let store = object_store::prefix::PrefixStore::new(moto.store("group-lake"), "estate");
        Lake::with_store(url, std::sync::Arc::new(store))
    };
    // Streams a day slowly and waits until the lake has moved on, so that the change that
    // follows happens mid-stream.
    let stream_day = |day: u32, then: &str| {
        let before = lake_version(&lake);
        let stream = Stream::start(&broker, &[events_file(dir.path(), day)], 1_000);
        wait_for_commit_after(&lake, before, then);
        println!("day {day} is streaming: {then}");
        stream
    };

    let mut a = Member::start(&broker, url, &env);
    let mut b = Member::start(&broker, url, &env);

    let day = stream_day(0, "a third member joins");
    let mut c = Member::start(&broker, url, &env);
    assert!(day.streaming(), "the third member joined mid-stream");
    day.finish();

    let day = stream_day(1, "the third member is killed and replaced at once");
    c.kill();
    let mut d = Member::start(&broker, url, &env);
    assert!(day.streaming(), "the kill and the join happened mid-stream");
    day.finish();

    let day = stream_day(2, "the second member leaves");
    terminate(b.child());
    assert!(day.streaming(), "the second member left mid-stream");
    day.finish();

    // The group lands the rest by itself.
    wait_until_caught_up(&broker, &lake, 6, Duration::from_secs(120));
    terminate(a.child());
    terminate(d.child());
    assert_exactly(rows_in(&lake), &want);
}

#[test]
fn survivors_take_over_a_killed_members_partitions_within_the_session_timeout() {
    let broker = Kafka::start();
    broker.create_topic(TOPIC, 6);
    let dir = tempfile::tempdir().unwrap();
    let want: BTreeSet<String> = (0..2)
        .flat_map(|day| day_ids(dir.path(), "6", day))
        .collect();
    let path = dir.path().join("lake");
    let url = path.to_str().unwrap();
    let lake = Lake::open(url).unwrap();
    let mut random = Random::from_clock("the victim");

    let mut members: Vec<Member> = (0..3).map(|_| Member::start(&broker, url, &[])).collect();
    // The test must know who owns what before the kill.
    let refs: Vec<&Member> = members.iter().collect();
    settle(&refs, 6, "three members started");
    let stream = Stream::start(
        &broker,
        &[events_file(dir.path(), 0), events_file(dir.path(), 1)],
        1_500,
    );
    wait_for_commit_after(&lake, lake_version(&lake), "before the kill");

    let victim = random.below(3) as usize;
    let mut killed = members.remove(victim);
    let orphaned = killed.partitions();
    killed.kill();
    let killed_at = std::time::Instant::now();
    assert!(stream.streaming(), "the kill happened mid-stream");
    let refs: Vec<&Member> = members.iter().collect();
    settle(&refs, 6, "the survivors took over");
    let took = killed_at.elapsed();
    println!("member {victim} owned {orphaned:?}; the survivors own them {took:?} after the kill");
    // Kafka notices the silent member when its session runs out, then the survivors rejoin at
    // their next heartbeat (500 ms): the take-over is the session timeout plus one rebalance.
    assert!(
        took < SESSION_TIMEOUT + Duration::from_secs(4),
        "the survivors took {took:?} to own every partition"
    );
    stream.finish();

    wait_until_caught_up(&broker, &lake, 6, Duration::from_secs(120));
    for mut member in members {
        terminate(member.child());
    }
    assert_exactly(rows_in(&lake), &want);
}
