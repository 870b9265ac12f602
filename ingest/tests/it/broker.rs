//! A real Kafka-protocol broker for tests (shared with the binary's tests by path): `tansu` on a free 127.0.0.1 port, in memory, stopped
//! when dropped.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Producer settings for tests against tansu 0.6: one message per record batch.
///
/// tansu 0.6 cannot fetch from an offset inside a record batch (nothing comes back), and its
/// `ListOffsets` counts batches, not records. Real Kafka has neither limit; with one message per
/// batch both agree with Kafka, so a consumer can resume at any offset the lake recorded.
#[allow(dead_code)]
pub(crate) fn one_message_per_batch() -> Vec<(String, String)> {
    vec![("batch.num.messages".into(), "1".into())]
}

/// A running tansu broker.
pub(crate) struct Tansu {
    child: Child,
    port: u16,
}

fn tansu_binary() -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    let installed = format!("{home}/.cargo/bin/tansu");
    if std::path::Path::new(&installed).is_file() {
        installed
    } else {
        "tansu".to_string()
    }
}

impl Tansu {
    /// Starts a broker and waits until it accepts connections.
    pub(crate) fn start() -> Tansu {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(tansu_binary())
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tansu is installed: run scripts/test, or cargo install --locked tansu --features dynostore,libsql");
        let broker = Tansu { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tansu did not start listening within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        broker
    }

    /// The bootstrap servers string.
    pub(crate) fn brokers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Creates a topic.
    pub(crate) fn create_topic(&self, name: &str, partitions: u32) {
        let status = Command::new(tansu_binary())
            .args([
                "topic",
                "create",
                name,
                "--partitions",
                &partitions.to_string(),
            ])
            .args(["--broker", &format!("tcp://127.0.0.1:{}", self.port)])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "tansu topic create {name} failed");
    }

    /// The high watermark (next offset) of each partition of a topic, as the broker reports it.
    #[allow(
        dead_code,
        reason = "the root crate's group test prints these when it stalls"
    )]
    pub(crate) fn high_watermarks(&self, topic: &str, partitions: i32) -> Vec<(i32, i64)> {
        use rdkafka::consumer::{BaseConsumer, Consumer};
        let consumer: BaseConsumer = rdkafka::ClientConfig::new()
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

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
