//! A lake in a temporary directory, filled with hand-made events through the real ingest path
//! (validation, scrubbing, dedup by `event_id`, Hive partitions), and queried through the
//! catalog.

use std::io::Write;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::common::ScalarValue;
use roomsight_ingest::lake::store::Lake;
use roomsight_ingest::metrics::Metrics;
use roomsight_ingest::run::{Shutdown, files};
use roomsight_ingest::writer::{LakeWriter, WriterConfig};
use roomsight_queries::{Catalog, CatalogOptions};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::runtime::Runtime;

/// A temporary lake and the runtime its writer and queries run on.
pub(crate) struct TestLake {
    pub(crate) dir: TempDir,
    pub(crate) runtime: Runtime,
}

impl TestLake {
    pub(crate) fn new() -> TestLake {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        TestLake {
            dir: tempfile::tempdir().unwrap(),
            runtime,
        }
    }

    pub(crate) fn url(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// Ingests events (JSON objects) as one NDJSON backfill file; returns the summary's row count.
    pub(crate) fn ingest(&self, events: &[Value]) -> u64 {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        for event in events {
            writeln!(file, "{event}").unwrap();
        }
        file.flush().unwrap();
        let lake = Lake::open(&self.url()).unwrap();
        let mut writer = LakeWriter::open(
            lake,
            self.runtime.handle().clone(),
            WriterConfig::default(),
            Arc::new(Metrics::new()),
        )
        .unwrap();
        let summary =
            files::run(&[file.path()], &mut writer, &Shutdown::new(), &mut |_| {}).unwrap();
        summary.rows
    }

    pub(crate) fn catalog(&self) -> Catalog {
        self.runtime
            .block_on(Catalog::open(&self.url(), CatalogOptions::default()))
            .unwrap()
    }

    /// Runs `sql` with named parameters and returns its batches.
    pub(crate) fn query(&self, sql: &str, params: &[(&str, ScalarValue)]) -> Vec<RecordBatch> {
        let catalog = self.catalog();
        self.runtime.block_on(async {
            catalog
                .query(sql, params)
                .await
                .unwrap()
                .collect()
                .await
                .unwrap()
        })
    }

    /// Runs `sql` and renders its rows as a pretty table, for assertions on whole results.
    pub(crate) fn table(&self, sql: &str, params: &[(&str, ScalarValue)]) -> String {
        pretty_format_batches(&self.query(sql, params))
            .unwrap()
            .to_string()
    }
}

/// The envelope every event carries.
fn envelope(kind: &str, id: &str, ts: &str, device: &str, room: &str) -> Value {
    json!({
        "schema": "roomsight.telemetry/v1",
        "type": kind,
        "event_id": id,
        "ts": ts,
        "device_id": device,
        "room_id": room,
    })
}

/// An event of type `kind` with the envelope filled in and `body`'s fields added.
pub(crate) fn event(
    kind: &str,
    id: &str,
    ts: &str,
    device: &str,
    room: &str,
    body: Value,
) -> Value {
    let mut e = envelope(kind, id, ts, device, room);
    if let (Some(e), Value::Object(body)) = (e.as_object_mut(), body) {
        e.extend(body);
    }
    e
}

/// A heartbeat with typical values; `uptime_s` and the sign-in flag vary per test.
pub(crate) fn heartbeat(
    id: &str,
    ts: &str,
    device: &str,
    room: &str,
    uptime_s: i64,
    signed_in: bool,
) -> Value {
    event(
        "heartbeat",
        id,
        ts,
        device,
        room,
        json!({
            "platform": "windows", "app_version": "5.2.1", "os_version": "10.0.22631",
            "teams_signed_in": signed_in, "exchange_signed_in": true,
            "cpu_pct": 12.5, "mem_pct": 40.0, "uptime_s": uptime_s,
        }),
    )
}
