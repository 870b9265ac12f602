//! The Postgres-wire server driven by the real `psql` (and `pgbench` for the extended
//! protocol) over a small lake whose answers are known by construction.

use std::net::SocketAddr;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use datafusion::arrow::array::{ArrayRef, Int32Array, RecordBatch, StringArray};
use datafusion::parquet::arrow::ArrowWriter;
use roomsight_ingest::schema::Table;
use roomsight_queries::server::{Credentials, Limits, Server, ServerConfig};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::fixture::{TestLake, heartbeat};

const USER: &str = "analyst";
const PASSWORD: &str = "correct horse battery staple";

/// A server running on the lake's runtime; stopped (and its sessions closed) on drop.
struct Served {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

/// A `psql` (or other client) process, killed on drop if it is still running.
struct Client(Child);

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(lake: &TestLake, limits: Limits) -> Served {
    let catalog = lake.catalog();
    let config = ServerConfig {
        credentials: Some(Credentials {
            user: USER.to_owned(),
            password: PASSWORD.to_owned(),
        }),
        limits,
        max_connections: 16,
    };
    let server = lake
        .runtime
        .block_on(Server::bind(
            "127.0.0.1:0".parse().unwrap(),
            catalog.context().clone(),
            config,
        ))
        .unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = lake.runtime.spawn(async move {
        server
            .run(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    Served {
        addr,
        stop: Some(stop),
        task,
    }
}

fn generous() -> Limits {
    Limits {
        memory: 512 * 1024 * 1024,
        timeout: Duration::from_secs(60),
    }
}

/// `psql` against the server: no psqlrc, stop at the first error, any database name.
fn psql_command(addr: SocketAddr, password: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("psql");
    cmd.env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "20")
        .env_remove("PGSERVICE")
        .args(["-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"])
        .args([
            "-p",
            &addr.port().to_string(),
            "-U",
            USER,
            "-d",
            "any_database_name",
        ])
        .args(args);
    cmd
}

fn psql(addr: SocketAddr, args: &[&str]) -> Output {
    psql_command(addr, PASSWORD, args).output().unwrap()
}

/// Runs one command through psql, expecting success; returns its standard output.
fn psql_ok(addr: SocketAddr, args: &[&str]) -> String {
    let out = psql(addr, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "psql {args:?} failed: {stderr}\n{stdout}"
    );
    stdout
}

/// Unaligned, tuples-only output of one query: rows as `a|b|c` lines.
fn rows(addr: SocketAddr, sql: &str) -> Vec<String> {
    psql_ok(addr, &["-A", "-t", "-c", sql])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Two rooms in two sites, heartbeats over two UTC dates with known CPU values.
fn small_estate() -> TestLake {
    let lake = TestLake::new();
    let mut events = Vec::new();
    for (i, (ts, room, device)) in [
        ("2026-11-23T10:00:00Z", "r1", "d1"),
        ("2026-11-23T10:01:00Z", "r1", "d1"),
        ("2026-11-23T10:00:00Z", "r2", "d2"),
        ("2026-11-24T10:00:00Z", "r1", "d1"),
        ("2026-11-24T10:01:00Z", "r2", "d2"),
        ("2026-11-24T10:02:00Z", "r2", "d2"),
        ("2026-11-24T10:03:00Z", "r2", "d2"),
    ]
    .into_iter()
    .enumerate()
    {
        events.push(heartbeat(
            &format!("h{i}"),
            ts,
            device,
            room,
            60 * i as i64,
            i % 3 != 0,
        ));
    }
    assert_eq!(lake.ingest(&events), 7);
    write_rooms(
        &lake,
        &[("r1", "Fjord", "Oslo", 8), ("r2", "Andes", "Lima", 12)],
    );
    lake
}

/// A room of the directory: id, name, site, capacity.
type Room<'a> = (&'a str, &'a str, &'a str, i32);

/// The room directory as `roomsight rooms load` leaves it: `rooms/rooms.parquet`.
fn write_rooms(lake: &TestLake, rooms: &[Room<'_>]) {
    let schema = Table::Rooms.schema();
    let text = |f: &dyn Fn(&Room<'_>) -> Option<String>| -> ArrayRef {
        std::sync::Arc::new(rooms.iter().map(f).collect::<StringArray>())
    };
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|field| match field.name().as_str() {
            "room_id" => text(&|r| Some(r.0.to_owned())),
            "name" => text(&|r| Some(r.1.to_owned())),
            "site" => text(&|r| Some(r.2.to_owned())),
            "capacity" => {
                std::sync::Arc::new(rooms.iter().map(|r| r.3).collect::<Int32Array>()) as ArrayRef
            }
            "country" => text(&|_| Some("NO".to_owned())),
            "timezone" => text(&|_| Some("Europe/Oslo".to_owned())),
            "room_group" => text(&|_| Some("default".to_owned())),
            "ring" => text(&|_| Some("general".to_owned())),
            _ => text(&|_| None),
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let dir = lake.dir.path().join("rooms");
    std::fs::create_dir_all(&dir).unwrap();
    let file = std::fs::File::create(dir.join("rooms.parquet")).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn psql_lists_describes_and_queries_the_lake() {
    let lake = small_estate();
    let served = serve(&lake, generous());
    let addr = served.addr;

    let tables = psql_ok(addr, &["-c", "\\dt"]);
    for name in [
        "heartbeats",
        "peripheral_states",
        "meetings",
        "rooms",
        "dead_letters",
        "incident_events",
    ] {
        assert!(
            tables.contains(&format!(" {name} ")),
            "\\dt misses {name}:\n{tables}"
        );
    }
    assert!(
        !tables.contains("pg_class"),
        "\\dt lists catalog tables:\n{tables}"
    );

    let described = psql_ok(addr, &["-c", "\\d heartbeats"]);
    assert!(
        described.contains("Table \"public.heartbeats\""),
        "{described}"
    );
    for (column, pg_type) in [
        ("event_id", "text"),
        ("cpu_pct", "double precision"),
        ("uptime_s", "bigint"),
        ("teams_signed_in", "boolean"),
        ("ts", "timestamp"),
    ] {
        let line = described
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{column} ")))
            .unwrap_or_else(|| panic!("\\d heartbeats misses {column}:\n{described}"));
        assert!(line.contains(pg_type), "{column} is not {pg_type}: {line}");
    }

    // What BI tools' schema browsers ask: schemas, tables and columns through pg_catalog and
    // information_schema.
    assert_eq!(
        rows(
            addr,
            "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = 'public'"
        ),
        ["public"]
    );
    assert_eq!(
        rows(
            addr,
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name = 'heartbeats'"
        ),
        ["heartbeats"]
    );
    assert_eq!(
        rows(
            addr,
            "SELECT a.attname FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON a.attrelid = c.oid \
             WHERE c.relname = 'rooms' AND a.attname = 'capacity'"
        ),
        ["capacity"]
    );

    // A report-style aggregate per UTC date.
    assert_eq!(
        rows(
            addr,
            "SELECT date, count(*) AS heartbeats, count(DISTINCT room_id) AS rooms, \
             sum(CASE WHEN teams_signed_in THEN 1 ELSE 0 END) AS signed_in \
             FROM heartbeats WHERE date BETWEEN DATE '2026-11-23' AND DATE '2026-11-24' \
             GROUP BY date ORDER BY date"
        ),
        ["2026-11-23|3|2|2", "2026-11-24|4|2|2"]
    );
    // Telemetry joined with the room directory.
    assert_eq!(
        rows(
            addr,
            "SELECT r.site, r.name, r.capacity, count(*) AS n, max(h.uptime_s) AS up \
             FROM heartbeats h JOIN rooms r ON r.room_id = h.room_id \
             GROUP BY r.site, r.name, r.capacity ORDER BY r.site"
        ),
        ["Lima|Andes|12|4|360", "Oslo|Fjord|8|3|180"]
    );
    // Several statements in one simple query; client settings are accepted (psql prints each
    // statement's result: the SETs' command tags, then the row).
    assert_eq!(
        rows(
            addr,
            "SET extra_float_digits = 3; SET application_name = 'grafana'; SELECT count(*) FROM rooms"
        ),
        ["SET", "SET", "2"]
    );
}

#[test]
fn the_extended_protocol_binds_parameters() {
    let lake = small_estate();
    let served = serve(&lake, generous());
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        script.path(),
        "\\set room 2\nSELECT count(*) FROM heartbeats WHERE room_id = 'r' || :room AND uptime_s >= :room;\n",
    )
    .unwrap();
    for mode in ["extended", "prepared"] {
        let out = Command::new("pgbench")
            .env("PGPASSWORD", PASSWORD)
            .args([
                "-n",
                "-h",
                "127.0.0.1",
                "-p",
                &served.addr.port().to_string(),
            ])
            .args(["-U", USER, "-M", mode, "-t", "5", "-c", "2", "-f"])
            .arg(script.path())
            .arg("any_database_name")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "pgbench -M {mode}: {stderr}\n{stdout}"
        );
        assert!(
            stdout.contains("number of transactions actually processed: 10/10"),
            "pgbench -M {mode}:\n{stdout}"
        );
        assert!(
            stdout.contains("number of failed transactions: 0"),
            "{stdout}"
        );
    }
}

#[test]
fn a_wrong_password_or_user_is_rejected() {
    let lake = TestLake::new();
    let served = serve(&lake, generous());
    let out = psql_command(served.addr, "wrong", &["-c", "SELECT 1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("assword authentication failed"), "{stderr}");

    let out = psql_command(served.addr, PASSWORD, &["-c", "SELECT 1"])
        .args(["-U", "intruder"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    // And the right one works.
    assert_eq!(rows(served.addr, "SELECT 41 + 1"), ["42"]);
}

#[test]
fn every_forbidden_statement_class_is_refused() {
    let lake = small_estate();
    let served = serve(&lake, generous());
    for (sql, what) in [
        ("CREATE TABLE t (a INT)", "CREATE TABLE is not allowed"),
        (
            "CREATE TABLE t AS SELECT * FROM rooms",
            "CREATE TABLE is not allowed",
        ),
        (
            "INSERT INTO rooms SELECT * FROM rooms",
            "INSERT INTO is not allowed",
        ),
        ("DROP TABLE heartbeats", "DROP TABLE is not allowed"),
        (
            "COPY heartbeats TO '/tmp/roomsight-leak.csv'",
            "COPY is not allowed",
        ),
        (
            "CREATE EXTERNAL TABLE leak STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE EXTERNAL TABLE is not allowed",
        ),
        (
            "SELECT * FROM read_csv('/etc/passwd')",
            "the table function read_csv is not allowed",
        ),
        (
            "SET datafusion.runtime.memory_limit = '64G'",
            "SET datafusion.runtime.memory_limit is not allowed",
        ),
    ] {
        let out = psql(served.addr, &["-c", sql]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{sql} was allowed");
        assert!(stderr.contains(what), "{sql}: {stderr}");
    }
    // Nothing changed.
    assert_eq!(rows(served.addr, "SELECT count(*) FROM rooms"), ["2"]);
    assert_eq!(rows(served.addr, "SELECT count(*) FROM heartbeats"), ["7"]);
}

#[test]
fn a_syntax_error_points_at_its_position() {
    let lake = TestLake::new();
    let served = serve(&lake, generous());
    let out = psql(
        served.addr,
        &["-c", "SELECT room_id\nFROM heartbeats\nWHERE date >= )"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // psql prints the position it is given as the line and a caret.
    assert!(stderr.contains("LINE 3: WHERE date >= )"), "{stderr}");
}

/// Starts `sql` in its own psql session in the background.
fn background(addr: SocketAddr, sql: &str) -> Client {
    Client(
        psql_command(addr, PASSWORD, &["-c", sql])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

/// Waits for a background session to end; returns whether it succeeded and its stderr.
fn finish(mut client: Client) -> (bool, String) {
    let status = client.0.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(client.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    (status.success(), stderr)
}

#[test]
fn a_query_past_its_time_limit_is_cancelled_while_other_sessions_answer() {
    let lake = small_estate();
    let served = serve(
        &lake,
        Limits {
            memory: 64 * 1024 * 1024,
            timeout: Duration::from_secs(3),
        },
    );
    // Counting 100 billion generated rows takes hours and almost no memory.
    let mut runaway = background(
        served.addr,
        "SELECT count(*) FROM generate_series(1, 100000000000) AS t(value) WHERE value % 7 = 3",
    );
    let mut answered_during = 0;
    while runaway.0.try_wait().unwrap().is_none() {
        assert_eq!(rows(served.addr, "SELECT count(*) FROM heartbeats"), ["7"]);
        answered_during += 1;
    }
    assert!(
        answered_during > 0,
        "no other session ran while the runaway query did"
    );
    let (ok, stderr) = finish(runaway);
    assert!(!ok, "the runaway query succeeded");
    assert!(stderr.contains("canceling statement"), "{stderr}");
    assert!(stderr.contains("query timeout (3 s)"), "{stderr}");
    assert_eq!(rows(served.addr, "SELECT count(*) FROM rooms"), ["2"]);
}

#[test]
fn a_query_past_its_memory_limit_fails_alone() {
    let lake = small_estate();
    let served = serve(
        &lake,
        Limits {
            memory: 16 * 1024 * 1024,
            timeout: Duration::from_secs(60),
        },
    );
    // A hash join holds its whole build side in memory: no spilling helps. (A DISTINCT over
    // generate_series would not do: DataFusion knows the series is sorted and streams it.)
    let runaway = background(
        served.addr,
        "SELECT count(*) FROM generate_series(1, 3000000) AS a(v) \
         JOIN generate_series(1, 3000000) AS b(v) ON a.v = b.v",
    );
    assert_eq!(rows(served.addr, "SELECT count(*) FROM heartbeats"), ["7"]);
    let (ok, stderr) = finish(runaway);
    assert!(!ok, "the query over its memory limit succeeded");
    assert!(
        stderr.contains("more memory than the server allows"),
        "{stderr}"
    );
    // The session pool is not poisoned: the same kind of query, smaller, works.
    assert_eq!(
        rows(
            served.addr,
            "SELECT count(*) FROM generate_series(1, 1000) AS a(v) \
             JOIN generate_series(1, 1000) AS b(v) ON a.v = b.v"
        ),
        ["1000"]
    );
}

#[test]
fn ctrl_c_in_psql_cancels_the_running_query() {
    let lake = small_estate();
    let served = serve(&lake, generous());
    let mut runaway = background(
        served.addr,
        "SELECT count(*) FROM generate_series(1, 100000000000) AS t(value) WHERE value % 7 = 3",
    );
    // Let the query start streaming, then do what Ctrl-C does: SIGINT to psql, which sends a
    // cancel request on a new connection.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        runaway.0.try_wait().unwrap().is_none(),
        "the query ended early"
    );
    let status = Command::new("kill")
        .args(["-INT", &runaway.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (ok, stderr) = finish(runaway);
    assert!(!ok, "the cancelled query succeeded");
    // Cancelled by the request, long before the 60 s limit would have stopped it.
    assert!(
        stderr.contains("canceling statement due to user request"),
        "{stderr}"
    );
    // The session's next query (a new psql) and the server are fine.
    assert_eq!(rows(served.addr, "SELECT count(*) FROM rooms"), ["2"]);
}
