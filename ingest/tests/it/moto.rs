//! A real S3-compatible server for tests (shared with the binary's tests by path): moto in
//! server mode, from the venv `scripts/test` makes, on a free 127.0.0.1 port, stopped when
//! dropped. Each test makes its own bucket.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server.
pub(crate) struct Moto {
    child: Child,
    port: u16,
}

/// `moto_server` beside the tests' Python (`ROOMSIGHT_TEST_PYTHON`), else on the PATH.
fn moto_binary() -> PathBuf {
    let python = std::env::var("ROOMSIGHT_TEST_PYTHON").unwrap_or_default();
    let beside = PathBuf::from(&python).with_file_name("moto_server");
    if !python.is_empty() && beside.is_file() {
        beside
    } else {
        PathBuf::from("moto_server")
    }
}

#[allow(dead_code, reason = "each test binary uses its own subset")]
impl Moto {
    /// Starts a server and waits until it accepts connections.
    pub(crate) fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(moto_binary())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto is installed: run scripts/test (it puts moto[server] in its venv)");
        let server = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not start listening within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The endpoint URL.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The AWS settings a client of this server needs, as environment variables.
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "roomsight-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "roomsight-test-secret".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }

    /// Creates a bucket (S3's `CreateBucket`: a PUT of the bucket's path).
    pub(crate) fn create_bucket(&self, name: &str) {
        use std::io::{Read, Write};
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(
            reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200"),
            "creating bucket {name} failed: {reply}"
        );
    }

    /// An object store client of `bucket`, configured as the lake's would be from `env()`.
    pub(crate) fn store(&self, bucket: &str) -> std::sync::Arc<dyn object_store::ObjectStore> {
        let store = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_access_key_id("roomsight-test")
            .with_secret_access_key("roomsight-test-secret")
            .with_region("us-east-1")
            .with_bucket_name(bucket)
            .build()
            .unwrap();
        std::sync::Arc::new(store)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
