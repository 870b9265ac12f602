//! `roomsight ingest` against Apache Kafka: SIGKILLs at random moments in one consumer group,
//! the leader included, lose and duplicate nothing; two processes in one group land everything
//! once; SIGTERM commits before exit. The helpers here (a paced producer, group members with
//! their metrics, lake readers) serve the group and gap tests too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use roomsight_ingest::kafka::{ProducerConfig, TelemetryProducer};
use roomsight_ingest::lake::encode::decode;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::{Timestamp, validate};

use crate::broker::Kafka;

pub(crate) const TOPIC: &str = "room-telemetry";

/// A killed member holds its partitions until its session expires: keep that at Kafka's usual
/// minimum so that the group moves on soon, and well above the heartbeat interval so that a
/// busy test machine does not expire live members.
pub(crate) const SESSION_TIMEOUT: Duration = Duration::from_secs(6);

fn binary() -> Command {
    let mut cmd = crate::roomsight_process();
    cmd.env("ROOMSIGHT_LOG", "warn");
    cmd
}

/// `simulate` flags shared by the reference file and the Kafka stream (same events): one day of
/// a fleet. Event ids follow from the seed alone, so each day has its own.
fn fleet(rooms: &str, day: u32) -> Vec<String> {
    let start = format!("2026-05-{:02}", 4 + day);
    let seed = (11 + day).to_string();
    let flags = [
        "--rooms", rooms, "--days", "1", "--start", &start, "--seed", &seed,
    ];
    flags
        .into_iter()
        .chain(["--duplicates", "0.05", "--late", "0.05"])
        .map(String::from)
        .collect()
}

/// Simulates one day of a fleet into `dir/reference-<day>/events.ndjson` and returns the
/// file's distinct valid event ids.
pub(crate) fn day_ids(dir: &Path, rooms: &str, day: u32) -> BTreeSet<String> {
    let out = dir.join(format!("reference-{day}"));
    let status = binary()
        .arg("simulate")
        .args(fleet(rooms, day))
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    ids_of(&std::fs::read(events_file(dir, day)).unwrap())
}

/// The distinct valid event ids of NDJSON bytes.
pub(crate) fn ids_of(text: &[u8]) -> BTreeSet<String> {
    let now = Timestamp::now();
    text.split(|&b| b == b'\n')
        .filter_map(|line| validate(line, now).ok().map(|e| e.event_id.to_string()))
        .collect()
}

/// The events file of a day simulated by [`day_ids`].
pub(crate) fn events_file(dir: &Path, day: u32) -> PathBuf {
    dir.join(format!("reference-{day}/events.ndjson"))
}

/// Produces one day of a fleet with `simulate --brokers`, batching as librdkafka does.
pub(crate) fn produce_day(broker: &Kafka, rooms: &str, day: u32) -> Child {
    binary()
        .arg("simulate")
        .args(fleet(rooms, day))
        .args(["--brokers", &broker.brokers(), "--topic", TOPIC])
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

/// A producer streaming event files to the topic at a slow pace until told to hurry, so that
/// the group changes a test makes happen while data flows. Each message is keyed by its
/// `device_id`, as `simulate --brokers` does, and batched as librdkafka does by default.
pub(crate) struct Stream {
    handle: Option<JoinHandle<u64>>,
    hurry: Arc<AtomicBool>,
}

impl Stream {
    /// Starts streaming the lines of `files` at about `per_second` messages a second.
    pub(crate) fn start(broker: &Kafka, files: &[PathBuf], per_second: usize) -> Stream {
        let lines: Vec<Vec<u8>> = files
            .iter()
            .flat_map(|f| {
                std::fs::read(f)
                    .unwrap()
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .collect();
        let config = ProducerConfig {
            brokers: broker.brokers(),
            topic: TOPIC.into(),
            options: vec![],
        };
        let hurry = Arc::new(AtomicBool::new(false));
        let hurried = Arc::clone(&hurry);
        let handle = std::thread::spawn(move || {
            let mut producer = TelemetryProducer::new(&config).unwrap();
            // Ten sends a second, each a slice of the stream.
            let chunk = (per_second / 10).max(1);
            for slice in lines.chunks(chunk) {
                for line in slice {
                    let key = serde_json::from_slice::<serde_json::Value>(line)
                        .ok()
                        .and_then(|v| v["device_id"].as_str().map(String::from))
                        .unwrap_or_default();
                    producer.send(key.as_bytes(), line).unwrap();
                }
                if !hurried.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            let report = producer.finish(Duration::from_secs(120)).unwrap();
            assert_eq!(
                report.delivered,
                lines.len() as u64,
                "every message delivered"
            );
            report.delivered
        });
        Stream {
            handle: Some(handle),
            hurry,
        }
    }

    /// Whether it is still sending.
    pub(crate) fn streaming(&self) -> bool {
        self.handle.as_ref().is_some_and(|h| !h.is_finished())
    }

    /// Sends the rest at full speed and waits until every message is delivered.
    pub(crate) fn finish(mut self) -> u64 {
        self.hurry.store(true, Ordering::Relaxed);
        self.handle.take().map_or(0, |h| h.join().unwrap())
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.hurry.store(true, Ordering::Relaxed);
    }
}

/// `roomsight ingest` into any lake URL, with extra environment (the S3 settings).
pub(crate) fn ingest_command(
    broker: &Kafka,
    lake: &str,
    env: &[(&str, String)],
    once: bool,
) -> Command {
    let mut cmd = binary();
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .arg("ingest")
        .arg("--lake")
        .arg(lake)
        .args(["--brokers", &broker.brokers(), "--topic", TOPIC])
        .args(["--flush-secs", "0.4", "--flush-mb", "1"])
        .args([
            "--kafka-option",
            &format!("session.timeout.ms={}", SESSION_TIMEOUT.as_millis()),
        ])
        .args(["--kafka-option", "heartbeat.interval.ms=500"])
        .stdout(Stdio::null());
    if once {
        cmd.arg("--once");
    }
    cmd
}

/// The lake's newest commit version (0 before the first).
pub(crate) fn lake_version(lake: &Lake) -> u64 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(lake.state()).map_or(0, |s| s.version)
}

/// Every event id in the live files of any lake (per its log, wherever each file is: published,
/// still staged, or retired by a newer commit), duplicates kept, each with where it came from.
pub(crate) fn rows_in(lake: &Lake) -> Vec<(String, String)> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let state = lake.state().await.unwrap();
        let mut rows = Vec::new();
        for file in state.files.values().filter(|f| f.table != "dead_letters") {
            let bytes = lake.read_live(file).await.unwrap();
            let columns = ["event_id", "kafka_partition", "kafka_offset"];
            for batch in decode(bytes, Some(&columns)).unwrap() {
                let ids = batch.column(0).as_string::<i32>();
                let partitions = batch.column(1).as_primitive::<Int32Type>();
                let offsets = batch.column(2).as_primitive::<Int64Type>();
                for i in 0..batch.num_rows() {
                    let lineage = format!(
                        "partition {} offset {} in {}",
                        partitions.value(i),
                        offsets.value(i),
                        file.path
                    );
                    rows.push((ids.value(i).to_string(), lineage));
                }
            }
        }
        rows
    })
}

pub(crate) fn assert_exactly(rows: Vec<(String, String)>, want: &BTreeSet<String>) {
    let distinct: BTreeSet<&String> = rows.iter().map(|(id, _)| id).collect();
    let missing = want.iter().filter(|id| !distinct.contains(id)).count();
    let extra = distinct.iter().filter(|id| !want.contains(**id)).count();
    assert_eq!((missing, extra), (0, 0), "missing and unexpected event ids");
    let mut twice = BTreeMap::<&String, Vec<&String>>::new();
    for (id, lineage) in &rows {
        twice.entry(id).or_default().push(lineage);
    }
    twice.retain(|_, lineages| lineages.len() > 1);
    assert!(twice.is_empty(), "events landed twice: {twice:#?}");
}

pub(crate) fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a roomsight process did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A small xorshift generator: victims and moments vary per run, and the seed is printed.
pub(crate) struct Random(u64);

impl Random {
    /// Seeded from the clock; prints the seed.
    pub(crate) fn from_clock(what: &str) -> Random {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        println!("{what}: seed {seed}");
        Random(seed | 1)
    }

    /// A number below `n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Waits until the lake has a newer commit than `before`.
pub(crate) fn wait_for_commit_after(lake: &Lake, before: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while lake_version(lake) <= before {
        assert!(
            Instant::now() < deadline,
            "nothing landed within 90 s ({what})"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Per partition: where the lake continues (`None` before its first commit) and where the
/// broker ends.
fn positions(broker: &Kafka, lake: &Lake, partitions: i32) -> Vec<(i32, Option<i64>, i64)> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let state = runtime.block_on(lake.state()).unwrap();
    let committed = state.source_offsets(&format!("kafka:{TOPIC}"));
    broker
        .high_watermarks(TOPIC, partitions)
        .into_iter()
        .map(|(p, end)| (p, committed.get(&p).copied(), end))
        .collect()
}

/// Waits until the lake has committed every partition up to the broker's end, printing the
/// positions if it does not within `limit`.
pub(crate) fn wait_until_caught_up(broker: &Kafka, lake: &Lake, partitions: i32, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let positions = positions(broker, lake, partitions);
        if positions
            .iter()
            .all(|(_, committed, end)| committed.unwrap_or(0) >= *end)
        {
            return;
        }
        if Instant::now() > deadline {
            for (p, committed, end) in positions {
                println!(
                    "partition {p}: the lake continues at {committed:?}, the broker ends at {end}"
                );
            }
            panic!("the group did not land everything within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A child process, killed on drop so that a failing test leaves none behind.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A group member. Its metrics endpoint tells which partitions it owns.
pub(crate) struct Member {
    process: Running,
    metrics: u16,
}

impl Member {
    /// Starts `roomsight ingest` in the group, serving its metrics on a free port.
    pub(crate) fn start(broker: &Kafka, lake: &str, env: &[(&str, String)]) -> Member {
        Member::start_with(ingest_command(broker, lake, env, false))
    }

    /// Starts an ingest command (without `--once`), serving its metrics on a free port.
    pub(crate) fn start_with(mut cmd: Command) -> Member {
        let metrics = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        cmd.args(["--metrics-addr", &format!("127.0.0.1:{metrics}")]);
        Member {
            process: Running(cmd.spawn().unwrap()),
            metrics,
        }
    }

    pub(crate) fn child(&mut self) -> &mut Child {
        &mut self.process.0
    }

    /// SIGKILL: its buffered rows are lost to it and its offsets not committed.
    pub(crate) fn kill(&mut self) {
        self.child().kill().unwrap();
        self.child().wait().unwrap();
    }

    /// Its `/metrics` text (empty while it starts or cannot be reached).
    pub(crate) fn scrape(&self) -> String {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.metrics)) else {
            return String::new();
        };
        // A member too busy to answer within 5 s owns nothing as far as `settle` can tell.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        let mut reply = String::new();
        if stream.write_all(request.as_bytes()).is_err()
            || stream.read_to_string(&mut reply).is_err()
        {
            return String::new();
        }
        reply
    }

    /// The partitions it owns now, per `roomsight_ingest_partition_assigned` (none while it
    /// starts, rebalances or cannot be reached).
    pub(crate) fn partitions(&self) -> BTreeSet<i32> {
        self.scrape()
            .lines()
            .filter(|line| line.starts_with("roomsight_ingest_partition_assigned{"))
            .filter_map(|line| {
                line.split("partition=\"")
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse()
                    .ok()
            })
            .collect()
    }
}

/// Waits until the live members own every partition between them, each at least one and none
/// twice, per their partition-assignment gauges; returns how long that took. Only tests that
/// must know the assignment wait for it: Kafka rebalances by itself while data flows.
pub(crate) fn settle(members: &[&Member], partitions: i32, what: &str) -> Duration {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(90);
    loop {
        let owned: Vec<BTreeSet<i32>> = members.iter().map(|m| m.partitions()).collect();
        let all: BTreeSet<i32> = owned.iter().flatten().copied().collect();
        let counted: usize = owned.iter().map(BTreeSet::len).sum();
        if owned.iter().all(|o| !o.is_empty())
            && counted == all.len()
            && all == (0..partitions).collect()
        {
            println!(
                "{what}: the group settled as {owned:?} in {:?}",
                started.elapsed()
            );
            return started.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "the group did not settle within 90 s ({what}); the members own {owned:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends SIGTERM and expects a clean exit (everything buffered committed).
pub(crate) fn terminate(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        wait_with_timeout(child, Duration::from_secs(60)).success(),
        "SIGTERM exits 0 after committing"
    );
}

#[test]
fn sigkill_at_random_in_one_group_leader_included_loses_nothing_and_lands_nothing_twice() {
    let broker = Kafka::start();
    broker.create_topic(TOPIC, 4);
    let dir = tempfile::tempdir().unwrap();
    let want: BTreeSet<String> = (0..2)
        .flat_map(|day| day_ids(dir.path(), "8", day))
        .collect();
    let files = [events_file(dir.path(), 0), events_file(dir.path(), 1)];
    let path = dir.path().join("lake");
    let url = path.to_str().unwrap();
    let lake = Lake::open(url).unwrap();
    let mut random = Random::from_clock("victims and kill moments");

    // The first member forms the group alone, so it is the group's leader (the test must know
    // who leads: Kafka's classic protocol keeps a leader until it leaves); two more join.
    let mut members = vec![Member::start(&broker, url, &[])];
    settle(&[&members[0]], 4, "the first member leads the group");
    members.extend((0..2).map(|_| Member::start(&broker, url, &[])));
    // About 50 k messages at 400 a second: the stream outlasts the kills, then hurries.
    let stream = Stream::start(&broker, &files, 400);
    for kill in 1..=6 {
        // Kill while the group works: at a random moment after the lake moved on.
        wait_for_commit_after(&lake, lake_version(&lake), "before a kill");
        std::thread::sleep(Duration::from_millis(random.below(800)));
        // The first victim is the leader; the others are drawn at random, whoever leads then
        // among them.
        let victim = if kill == 1 {
            0
        } else {
            random.below(members.len() as u64) as usize
        };
        members.remove(victim).kill();
        assert!(
            stream.streaming(),
            "the producer still streams at kill {kill}"
        );
        println!(
            "kill {kill}: member {victim} of {}, {} rows in the lake",
            members.len() + 1,
            rows_in(&lake).len()
        );
        // Its replacement joins at once: no waiting out the dead member's session by hand.
        members.push(Member::start(&broker, url, &[]));
    }
    let sent = stream.finish();
    println!("{sent} messages streamed; killing the last three members too");
    for mut member in members {
        member.kill();
    }
    // The closing member joins the same group: Kafka expires the dead members' sessions and
    // gives it every partition.
    let mut last = ingest_command(&broker, url, &[], true).spawn().unwrap();
    assert!(wait_with_timeout(&mut last, Duration::from_secs(300)).success());
    assert_exactly(rows_in(&lake), &want);
}

#[test]
fn two_processes_in_one_group_land_everything_once_and_sigterm_commits() {
    let broker = Kafka::start();
    broker.create_topic(TOPIC, 4);
    let dir = tempfile::tempdir().unwrap();
    let want = day_ids(dir.path(), "3", 0);
    let path = dir.path().join("lake");
    let url = path.to_str().unwrap();
    let lake = Lake::open(url).unwrap();

    let mut a = Member::start(&broker, url, &[]);
    let mut b = Member::start(&broker, url, &[]);
    let mut producer = Running(produce_day(&broker, "3", 0));
    assert!(wait_with_timeout(&mut producer.0, Duration::from_secs(300)).success());
    wait_until_caught_up(&broker, &lake, 4, Duration::from_secs(300));
    // SIGTERM to one while the other runs: it commits and leaves, and the other takes over.
    terminate(a.child());
    terminate(b.child());
    assert_exactly(rows_in(&lake), &want);

    // Every commit came from one of the two processes, and each exited cleanly above. (Both own
    // partitions while the fleet streams in, but three rooms are three keys, which may all fall
    // in one member's half; the split itself is checked against librdkafka's mock cluster in the
    // ingest crate's tests, and the group tests have six partitions and more keys.)
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let writers: BTreeSet<String> = runtime.block_on(async {
        let state = lake.state().await.unwrap();
        let mut writers = BTreeSet::new();
        for version in 1..=state.version {
            if let Some(commit) = roomsight_ingest::lake::log::read_commit(lake.store(), version)
                .await
                .unwrap()
                && !commit.add.is_empty()
            {
                writers.insert(commit.writer);
            }
        }
        writers
    });
    assert!((1..=2).contains(&writers.len()), "commits by {writers:?}");
}
