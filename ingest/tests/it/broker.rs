//! Apache Kafka's own broker for tests (shared with the binary's tests by path): a fresh
//! single-node KRaft cluster per test, on free loopback ports, run by `scripts/kafka-broker`
//! and stopped when dropped.
//!
//! The script is a watchdog too: it stops the broker when this test process is gone, even
//! after a SIGKILL (Rust runs no destructor then), so no JVM outlives a test run. The broker's
//! directory (log, data, config) is removed after a passing test and kept, with the log's tail
//! printed, after a failing one.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// How long a broker may take to start: the first one of a machine also resolves the jars.
const START_TIMEOUT: Duration = Duration::from_secs(300);

/// A running broker.
pub(crate) struct Kafka {
    watchdog: Child,
    dir: Option<tempfile::TempDir>,
    port: u16,
}

/// `scripts/kafka-broker` of this checkout.
fn script() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let script = dir.join("scripts/kafka-broker");
        if script.is_file() {
            return script;
        }
        assert!(
            dir.pop(),
            "scripts/kafka-broker not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The last `n` lines of a file (empty if it cannot be read).
fn tail(path: &Path, n: usize) -> String {
    let Ok(file) = std::fs::File::open(path) else {
        return String::new();
    };
    let lines: Vec<String> = BufReader::new(file).lines().map_while(Result::ok).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

impl Kafka {
    /// Formats and starts a broker and waits until it serves metadata. Fails (never skips) when
    /// Java or Maven is missing, saying what to install.
    pub(crate) fn start() -> Kafka {
        let dir = tempfile::Builder::new()
            .prefix("roomsight-kafka-")
            .tempdir()
            .unwrap();
        let port = free_port();
        let controller = loop {
            let p = free_port();
            if p != port {
                break p;
            }
        };
        let stderr = std::fs::File::create(dir.path().join("kafka-broker.err")).unwrap();
        let watchdog = Command::new("bash")
            .arg(script())
            .arg("run")
            .arg(dir.path().join("broker"))
            .args([
                port.to_string(),
                controller.to_string(),
                std::process::id().to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("bash runs scripts/kafka-broker");
        let mut kafka = Kafka {
            watchdog,
            dir: Some(dir),
            port,
        };
        kafka.wait_until_ready();
        kafka
    }

    fn dir(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new("."), |d| d.path())
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.brokers())
            .create()
            .unwrap();
        loop {
            if let Some(status) = self.watchdog.try_wait().unwrap() {
                panic!(
                    "the Kafka broker did not start ({status}):\n{}\n{}",
                    tail(&self.dir().join("kafka-broker.err"), 20),
                    tail(&self.dir().join("broker/broker.log"), 40)
                );
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && consumer
                    .fetch_metadata(None, Duration::from_secs(2))
                    .is_ok_and(|m| !m.brokers().is_empty())
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the Kafka broker did not answer within {START_TIMEOUT:?}; its log:\n{}",
                tail(&self.dir().join("broker/broker.log"), 40)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The bootstrap servers string.
    pub(crate) fn brokers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn admin(&self) -> AdminClient<DefaultClientContext> {
        ClientConfig::new()
            .set("bootstrap.servers", self.brokers())
            .create()
            .unwrap()
    }

    /// Creates a topic with one replica and waits until it exists.
    pub(crate) fn create_topic(&self, name: &str, partitions: u32) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let topic = NewTopic::new(
            name,
            i32::try_from(partitions).unwrap(),
            TopicReplication::Fixed(1),
        );
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let results = runtime
            .block_on(self.admin().create_topics([&topic], &options))
            .unwrap();
        for result in results {
            result.unwrap_or_else(|(topic, e)| panic!("could not create topic {topic}: {e}"));
        }
    }

    /// Deletes the records of a partition before `before` (as retention would), returning the
    /// partition's new start offset.
    #[allow(
        dead_code,
        reason = "the root crate's gap test uses it; the ingest crate's tests do not"
    )]
    pub(crate) fn delete_records(&self, topic: &str, partition: i32, before: i64) -> i64 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut offsets = TopicPartitionList::new();
        offsets
            .add_partition_offset(topic, partition, Offset::Offset(before))
            .unwrap();
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        let result = runtime
            .block_on(self.admin().delete_records(&offsets, &options))
            .unwrap();
        let element = result.find_partition(topic, partition).unwrap();
        element.error().unwrap();
        match element.offset() {
            Offset::Offset(low) => low,
            other => panic!("delete-records answered {other:?}"),
        }
    }

    /// The high watermark (next offset) of each partition of a topic, as the broker reports it.
    #[allow(
        dead_code,
        reason = "the root crate's group tests use these; the ingest crate's tests do not"
    )]
    pub(crate) fn high_watermarks(&self, topic: &str, partitions: i32) -> Vec<(i32, i64)> {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", self.brokers())
            .create()
            .unwrap();
        (0..partitions)
            .map(|p| {
                let high = consumer
                    .fetch_watermarks(topic, p, Duration::from_secs(10))
                    .map_or(-1, |(_, high)| high);
                (p, high)
            })
            .collect()
    }
}

impl Drop for Kafka {
    fn drop(&mut self) {
        // The broker's JVM first (SIGKILL: its data is thrown away anyway), then the watchdog,
        // which notices within half a second and exits.
        let pid = std::fs::read_to_string(self.dir().join("broker/broker.pid")).unwrap_or_default();
        if !pid.trim().is_empty() {
            let _ = Command::new("kill").args(["-KILL", pid.trim()]).status();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.watchdog.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            let kept = dir.keep();
            eprintln!(
                "the Kafka broker's directory is kept at {}; the end of its log:\n{}",
                kept.display(),
                tail(&kept.join("broker/broker.log"), 40)
            );
        }
    }
}
