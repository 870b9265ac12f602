//! Tests of the registry, its exposition text and the endpoint.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use super::*;

/// The lines of `text` for one metric: its HELP and TYPE lines and its samples.
fn block(text: &str, name: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            let sample_name = line
                .strip_prefix("# HELP ")
                .or_else(|| line.strip_prefix("# TYPE "))
                .unwrap_or(line);
            sample_name.strip_prefix(name).is_some_and(|rest| {
                rest.starts_with([' ', '{'])
                    || rest.starts_with("_bucket")
                    || rest.starts_with("_sum")
                    || rest.starts_with("_count")
            })
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn label_indexes_follow_the_lists_they_render() {
    for (i, &reason) in Reason::ALL.iter().enumerate() {
        assert_eq!(reason_index(reason), i, "{reason:?}");
    }
    assert_eq!(Reason::ALL.len(), REASONS);
    for (i, table) in TABLES.into_iter().enumerate() {
        assert_eq!(table_index(table), i, "{table:?}");
    }
    for (i, source) in Source::ALL.into_iter().enumerate() {
        assert_eq!(source.index(), i);
    }
}

#[test]
fn counters_render_exactly() {
    let m = Metrics::new();
    m.messages(Source::Kafka, 10);
    m.messages(Source::Kafka, 5);
    m.messages(Source::File, 2);
    m.events(Table::Heartbeats, 7);
    m.dead_letter(Reason::FutureTs, 3);
    m.redactions(4);
    m.commit();
    m.commit();
    m.commit_conflict();
    let text = m.render();

    assert_eq!(
        block(&text, "roomsight_ingest_messages_total"),
        [
            "# HELP roomsight_ingest_messages_total Messages (Kafka records or file lines) read.",
            "# TYPE roomsight_ingest_messages_total counter",
            "roomsight_ingest_messages_total{source=\"kafka\"} 15",
            "roomsight_ingest_messages_total{source=\"file\"} 2",
        ]
    );
    assert_eq!(
        block(&text, "roomsight_ingest_events_total"),
        [
            "# HELP roomsight_ingest_events_total Valid events accepted, by telemetry table.",
            "# TYPE roomsight_ingest_events_total counter",
            "roomsight_ingest_events_total{table=\"heartbeats\"} 7",
            "roomsight_ingest_events_total{table=\"peripheral_states\"} 0",
            "roomsight_ingest_events_total{table=\"meetings\"} 0",
            "roomsight_ingest_events_total{table=\"bookings\"} 0",
            "roomsight_ingest_events_total{table=\"updates\"} 0",
            "roomsight_ingest_events_total{table=\"enrollments\"} 0",
            "roomsight_ingest_events_total{table=\"logs\"} 0",
        ]
    );
    let dead = block(&text, "roomsight_ingest_dead_letters_total");
    assert_eq!(dead.len(), 2 + Reason::ALL.len());
    assert_eq!(
        dead[2],
        "roomsight_ingest_dead_letters_total{reason=\"too_large\"} 0"
    );
    assert_eq!(
        dead[9],
        "roomsight_ingest_dead_letters_total{reason=\"future_ts\"} 3"
    );
    assert_eq!(
        block(&text, "roomsight_ingest_redactions_total")[2],
        "roomsight_ingest_redactions_total 4"
    );
    assert_eq!(
        block(&text, "roomsight_ingest_commits_total")[1..],
        [
            "# TYPE roomsight_ingest_commits_total counter",
            "roomsight_ingest_commits_total 2"
        ]
    );
    assert_eq!(
        block(&text, "roomsight_ingest_commit_conflicts_total")[2],
        "roomsight_ingest_commit_conflicts_total 1"
    );
    assert_eq!(m.messages_total(Source::Kafka), 15);
    assert_eq!(m.events_total(Table::Heartbeats), 7);
    assert_eq!(m.dead_letters_total(Reason::FutureTs), 3);
    assert_eq!(m.commits_total(), 2);
}

#[test]
fn out_counters_show_dead_letters_and_other_tables_once_counted() {
    let m = Metrics::new();
    m.rows_committed(Table::DeadLetters, 3);
    m.files_written(Table::Logs, 2, 4096);
    let text = m.render();
    let rows = block(&text, "roomsight_ingest_rows_committed_total");
    assert_eq!(
        rows.len(),
        2 + 8,
        "telemetry tables and dead_letters: {rows:#?}"
    );
    assert_eq!(
        rows[9],
        "roomsight_ingest_rows_committed_total{table=\"dead_letters\"} 3"
    );
    assert!(!text.contains("table=\"rooms\""));
    assert!(text.contains("roomsight_ingest_files_written_total{table=\"logs\"} 2\n"));
    assert!(text.contains("roomsight_ingest_bytes_written_total{table=\"logs\"} 4096\n"));
    assert_eq!(m.files_written_total(Table::Logs), 2);
    assert_eq!(m.bytes_written_total(Table::Logs), 4096);

    // A table outside a metric's usual set appears once it has a count, in table order.
    m.rows_committed(Table::Rooms, 120);
    m.duplicates(Table::DeadLetters, 1);
    let text = m.render();
    let rows = block(&text, "roomsight_ingest_rows_committed_total");
    assert_eq!(
        rows.last().map(String::as_str),
        Some("roomsight_ingest_rows_committed_total{table=\"rooms\"} 120")
    );
    assert!(text.contains("roomsight_ingest_duplicates_total{table=\"dead_letters\"} 1\n"));
    assert!(!text.contains("roomsight_ingest_events_total{table=\"dead_letters\"}"));
}

#[test]
fn histogram_renders_cumulative_buckets_sum_and_count() {
    let m = Metrics::new();
    m.flush_seconds(0.01); // on a bound: counted in that bucket
    m.flush_seconds(0.3);
    m.flush_duration(Duration::from_millis(1500));
    m.flush_seconds(45.0); // beyond the last bound: only +Inf
    m.flush_seconds(f64::NAN); // ignored
    m.flush_seconds(-1.0); // ignored
    let text = m.render();
    assert_eq!(
        block(&text, "roomsight_ingest_flush_seconds"),
        [
            "# HELP roomsight_ingest_flush_seconds Time to flush buffered rows to the lake, in seconds.",
            "# TYPE roomsight_ingest_flush_seconds histogram",
            "roomsight_ingest_flush_seconds_bucket{le=\"0.01\"} 1",
            "roomsight_ingest_flush_seconds_bucket{le=\"0.025\"} 1",
            "roomsight_ingest_flush_seconds_bucket{le=\"0.05\"} 1",
            "roomsight_ingest_flush_seconds_bucket{le=\"0.1\"} 1",
            "roomsight_ingest_flush_seconds_bucket{le=\"0.25\"} 1",
            "roomsight_ingest_flush_seconds_bucket{le=\"0.5\"} 2",
            "roomsight_ingest_flush_seconds_bucket{le=\"1\"} 2",
            "roomsight_ingest_flush_seconds_bucket{le=\"2.5\"} 3",
            "roomsight_ingest_flush_seconds_bucket{le=\"5\"} 3",
            "roomsight_ingest_flush_seconds_bucket{le=\"10\"} 3",
            "roomsight_ingest_flush_seconds_bucket{le=\"30\"} 3",
            "roomsight_ingest_flush_seconds_bucket{le=\"+Inf\"} 4",
            "roomsight_ingest_flush_seconds_sum 46.81",
            "roomsight_ingest_flush_seconds_count 4",
        ]
    );
    let h = m.flush_histogram();
    assert_eq!(h.count, 4);
    assert_eq!(h.cumulative[0], 1);
}

#[test]
fn partition_gauges_are_sorted_set_and_forgotten() {
    let m = Metrics::new();
    m.set_lag("telemetry", 10, 5);
    m.set_lag("telemetry", 2, 1_000);
    m.set_lag("telemetry", 2, 7); // replaces
    m.set_committed_offset("telemetry", 2, 42);
    m.set_lag("backfill", 0, -1);
    m.assign_partition("telemetry", 10);
    m.assign_partition("telemetry", 2);
    m.set_buffered(1 << 20, 300);
    let text = m.render();
    assert_eq!(
        block(&text, "roomsight_ingest_partition_assigned")[2..],
        [
            "roomsight_ingest_partition_assigned{topic=\"telemetry\",partition=\"2\"} 1",
            "roomsight_ingest_partition_assigned{topic=\"telemetry\",partition=\"10\"} 1",
        ]
    );
    assert_eq!(m.assigned_partitions("telemetry"), [2, 10]);
    assert_eq!(m.assigned_partitions("backfill"), Vec::<i32>::new());
    assert_eq!(
        block(&text, "roomsight_ingest_consumer_lag")[2..],
        [
            "roomsight_ingest_consumer_lag{topic=\"backfill\",partition=\"0\"} -1",
            "roomsight_ingest_consumer_lag{topic=\"telemetry\",partition=\"2\"} 7",
            "roomsight_ingest_consumer_lag{topic=\"telemetry\",partition=\"10\"} 5",
        ]
    );
    assert_eq!(
        block(&text, "roomsight_ingest_committed_offset")[2..],
        ["roomsight_ingest_committed_offset{topic=\"telemetry\",partition=\"2\"} 42"]
    );
    assert!(text.contains("\nroomsight_ingest_buffered_bytes 1048576\n"));
    assert!(text.ends_with("\nroomsight_ingest_buffered_rows 300\n"));
    assert_eq!(m.lag("telemetry", 2), Some(7));
    assert_eq!(m.committed_offset("telemetry", 10), None);

    m.forget_partition("telemetry", 2);
    m.forget_partition("backfill", 0);
    m.forget_partition("never-seen", 3);
    let text = m.render();
    assert_eq!(
        block(&text, "roomsight_ingest_consumer_lag")[2..],
        ["roomsight_ingest_consumer_lag{topic=\"telemetry\",partition=\"10\"} 5"]
    );
    // The metric keeps its HELP and TYPE lines with no series left.
    assert_eq!(block(&text, "roomsight_ingest_committed_offset").len(), 2);
    assert_eq!(m.lag("telemetry", 2), None);
    assert_eq!(m.assigned_partitions("telemetry"), [10]);
}

#[test]
fn gap_counts_show_owned_partitions_at_zero_and_outlive_a_revocation() {
    let m = Metrics::new();
    m.assign_partition("telemetry", 1);
    m.assign_partition("telemetry", 0);
    m.gap("telemetry", 1, 400);
    m.gap("telemetry", 1, 2);
    assert_eq!(
        block(&m.render(), "roomsight_ingest_gap_messages_total")[2..],
        [
            "roomsight_ingest_gap_messages_total{topic=\"telemetry\",partition=\"0\"} 0",
            "roomsight_ingest_gap_messages_total{topic=\"telemetry\",partition=\"1\"} 402",
        ]
    );
    // A counter never goes back: the revoked partition keeps its count, the idle one goes.
    m.forget_partition("telemetry", 1);
    m.forget_partition("telemetry", 0);
    assert_eq!(
        block(&m.render(), "roomsight_ingest_gap_messages_total")[2..],
        ["roomsight_ingest_gap_messages_total{topic=\"telemetry\",partition=\"1\"} 402"]
    );
    assert_eq!(m.gap_messages_total("telemetry", 1), 402);
    assert_eq!(m.gap_messages_total("telemetry", 0), 0);
}

#[test]
fn label_values_escape_quote_backslash_and_newline() {
    let m = Metrics::new();
    m.set_lag("a\"b\\c\nd", 1, 9);
    let text = m.render();
    assert!(
        text.contains(
            "roomsight_ingest_consumer_lag{topic=\"a\\\"b\\\\c\\nd\",partition=\"1\"} 9\n"
        ),
        "{text}"
    );
}

/// Every line is a HELP, a TYPE or a sample of a metric whose TYPE came before; each metric
/// has one HELP and one TYPE; values parse as numbers.
#[test]
fn every_line_is_well_formed_exposition() {
    let m = Metrics::new();
    m.set_lag("t", 0, 1);
    m.assign_partition("t", 0);
    m.flush_seconds(0.2);
    m.events(Table::Logs, 1);
    let text = m.render();
    assert!(text.ends_with('\n'));
    let mut typed: Vec<(String, String)> = Vec::new();
    let mut helped: Vec<String> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap().to_owned();
            assert!(!helped.contains(&name), "second HELP for {name}");
            helped.push(name);
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert_eq!(
                helped.last().map(String::as_str),
                Some(name),
                "HELP before TYPE"
            );
            typed.push((name.to_owned(), kind.to_owned()));
        } else {
            let (series, value) = line.rsplit_once(' ').unwrap();
            value.parse::<f64>().unwrap();
            let name = series.split('{').next().unwrap();
            let (family, kind) = typed.last().unwrap();
            let suffix = name
                .strip_prefix(family.as_str())
                .unwrap_or_else(|| panic!("{line}"));
            match kind.as_str() {
                "histogram" => assert!(["_bucket", "_sum", "_count"].contains(&suffix)),
                _ => assert_eq!(suffix, ""),
            }
            assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        }
    }
    assert_eq!(typed.len(), 17);
}

#[test]
fn concurrent_updates_are_all_counted() {
    let m = Metrics::new();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..1000 {
                    m.events(Table::Meetings, 2);
                    m.flush_seconds(0.05);
                }
            });
        }
    });
    assert_eq!(m.events_total(Table::Meetings), 8000);
    assert_eq!(m.flush_histogram().count, 4000);
}

// --- the endpoint

/// A `serve` running on its own runtime, stopped by [`Server::stop`] (or by dropping the
/// runtime, which cancels it).
struct Server {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<io::Result<()>>,
}

impl Server {
    fn start(metrics: Arc<Metrics>) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = runtime.spawn(serve(listener, metrics, async {
            let _ = stopped.await;
        }));
        Server {
            runtime,
            addr,
            stop,
            task,
        }
    }

    /// Sends `request` and reads the whole response (the server closes the connection).
    fn exchange(&self, request: &[u8]) -> Reply {
        self.exchange_then(request, |_| {})
    }

    /// Sends `request`, calls `then` on the stream, and reads the whole response.
    fn exchange_then(&self, request: &[u8], then: impl FnOnce(&TcpStream)) -> Reply {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request).unwrap();
        then(&stream);
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Reply::parse(&raw)
    }

    fn get(&self, path: &str) -> Reply {
        self.exchange(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
    }

    /// Signals shutdown and waits (with a deadline) for `serve` to return.
    fn stop(self) -> io::Result<()> {
        let Server {
            runtime,
            stop,
            task,
            ..
        } = self;
        stop.send(()).unwrap();
        runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(10), task).await })
            .expect("serve returns soon after shutdown")
            .expect("serve does not panic")
    }
}

/// A parsed HTTP response.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let text = String::from_utf8(raw.to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
        let status = status_line[9..12].parse().unwrap();
        let headers = lines
            .map(|l| {
                let (name, value) = l.split_once(": ").unwrap();
                (name.to_ascii_lowercase(), value.to_owned())
            })
            .collect();
        Reply {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[test]
fn get_metrics_serves_the_exposition_over_tcp() {
    let metrics = Arc::new(Metrics::new());
    let server = Server::start(Arc::clone(&metrics));
    metrics.events(Table::Bookings, 31);

    let reply = server.get("/metrics");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(reply.header("connection"), Some("close"));
    assert_eq!(
        reply.header("content-length"),
        Some(reply.body.len().to_string().as_str())
    );
    assert!(
        reply
            .body
            .contains("\nroomsight_ingest_events_total{table=\"bookings\"} 31\n"),
        "{}",
        reply.body
    );

    // A later scrape sees later counts.
    metrics.events(Table::Bookings, 1);
    assert!(
        server
            .get("/metrics?x=1")
            .body
            .contains("{table=\"bookings\"} 32\n")
    );
    server.stop().unwrap();
}

#[test]
fn other_paths_are_not_found() {
    let server = Server::start(Arc::new(Metrics::new()));
    for path in ["/", "/metricsx", "/metrics/", "/favicon.ico"] {
        let reply = server.get(path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.body.contains("/metrics"), "says where to look");
        assert_eq!(reply.header("connection"), Some("close"));
    }
    server.stop().unwrap();
}

#[test]
fn head_bad_requests_and_other_methods() {
    let metrics = Arc::new(Metrics::new());
    let server = Server::start(Arc::clone(&metrics));

    let head = server.exchange(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
    let length: usize = head.header("content-length").unwrap().parse().unwrap();
    assert_eq!(length, metrics.render().len());

    let post = server.exchange(b"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));

    assert_eq!(server.exchange(b"nonsense\r\n\r\n").status, 400);
    // The client stops sending before the blank line that ends the head.
    let incomplete = server.exchange_then(b"GET /metrics HTTP/1.1\r\n", |stream| {
        stream.shutdown(std::net::Shutdown::Write).unwrap();
    });
    assert_eq!(incomplete.status, 400);
    assert_eq!(
        server.exchange(b"GET /metrics HTTP/3.0\r\n\r\n").status,
        505
    );

    let mut huge = b"GET /metrics HTTP/1.1\r\n".to_vec();
    for i in 0..200 {
        huge.extend_from_slice(format!("X-Padding-{i}: {}\r\n", "y".repeat(40)).as_bytes());
    }
    huge.extend_from_slice(b"\r\n");
    assert_eq!(server.exchange(&huge).status, 431);

    // The endpoint still answers after all that.
    assert_eq!(server.get("/metrics").status, 200);
    server.stop().unwrap();
}

#[test]
fn shutdown_makes_serve_return_even_with_an_idle_connection_open() {
    let server = Server::start(Arc::new(Metrics::new()));
    // A client that connects and never sends: its task must not keep `serve` alive for long.
    let idle = TcpStream::connect(server.addr).unwrap();
    assert_eq!(server.get("/metrics").status, 200);
    let started = std::time::Instant::now();
    server.stop().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
}

#[test]
fn bind_errors_name_the_address_and_the_fix() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let taken = bind("127.0.0.1:0").await.unwrap();
        let addr = taken.local_addr().unwrap().to_string();
        let error = bind(&addr).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
        let message = error.to_string();
        assert!(message.contains(&addr), "{message}");
        assert!(message.contains("choose another port"), "{message}");
        let source = std::error::Error::source(&error).expect("the OS error is the source");
        assert!(
            !message.contains(&source.to_string()),
            "the chain prints it once"
        );

        let error = bind("not an address").await.unwrap_err();
        assert!(error.to_string().contains("`not an address`"), "{error}");
    });
}
