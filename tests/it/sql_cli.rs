//! `roomsight sql` and `roomsight serve` as operators and scripts call them: one-shot queries in
//! every format, `\d` listings, errors with a caret and exit 1, the read-only policy, and the
//! server's refusal to listen beyond loopback without a password, then a psql session against
//! the served lake and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use predicates::prelude::*;

use crate::{heartbeat, roomsight, roomsight_process};

const ROOMS: &str = "\
room_id,name,site,building,floor,capacity,country,timezone,room_group,ring
room-1,Fjord,Oslo,A,1,8,NO,Europe/Oslo,huddle,general
room-2,Andes,Lima,B,2,12,PE,America/Lima,board,pilot
";

/// A lake with two rooms in the directory and three heartbeats of room-1.
fn lake(dir: &Path) -> std::path::PathBuf {
    let lake = dir.join("lake");
    let events = dir.join("events.ndjson");
    let lines: Vec<String> = ["hb-1", "hb-2", "hb-3"]
        .iter()
        .map(|id| heartbeat(id))
        .collect();
    std::fs::write(&events, lines.join("\n") + "\n").unwrap();
    roomsight()
        .args(["ingest", "--once", "--lake"])
        .arg(&lake)
        .arg("--file")
        .arg(&events)
        .assert()
        .success();
    let rooms = dir.join("rooms.csv");
    std::fs::write(&rooms, ROOMS).unwrap();
    roomsight()
        .args(["rooms", "load", "--lake"])
        .arg(&lake)
        .arg(&rooms)
        .assert()
        .success();
    lake
}

const JOIN: &str = "SELECT r.site, r.capacity, count(h.event_id) AS heartbeats \
                    FROM rooms r LEFT JOIN heartbeats h ON h.room_id = r.room_id \
                    GROUP BY r.site, r.capacity ORDER BY r.site";

#[test]
fn one_shot_queries_print_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake(dir.path());

    roomsight()
        .args(["sql", "--format", "csv", "-e", JOIN, "--lake"])
        .arg(&lake)
        .assert()
        .success()
        .stdout("site,capacity,heartbeats\nLima,12,0\nOslo,8,3\n");

    let out = roomsight()
        .args(["sql", "--format", "json", "-e", JOIN, "--lake"])
        .arg(&lake)
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([
            {"site": "Lima", "capacity": 12, "heartbeats": 0},
            {"site": "Oslo", "capacity": 8, "heartbeats": 3}
        ])
    );

    roomsight()
        .args(["sql", "-e", JOIN, "--lake"])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::contains("| Oslo | 8        | 3          |"))
        .stdout(predicate::str::contains("(2 rows)"));

    // A file of statements, run in order.
    let script = dir.path().join("q.sql");
    std::fs::write(
        &script,
        "SELECT count(*) AS n FROM heartbeats;\nSELECT count(*) AS r FROM rooms;\n",
    )
    .unwrap();
    roomsight()
        .args(["sql", "--format", "csv", "-f"])
        .arg(&script)
        .arg("--lake")
        .arg(&lake)
        .assert()
        .success()
        .stdout("n\n3\nr\n2\n");
}

#[test]
fn listings_explain_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake(dir.path());
    roomsight()
        .args(["sql", "-e", "\\d", "--lake"])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::contains("| heartbeats "))
        .stdout(predicate::str::contains("| incidents "))
        .stdout(predicate::str::contains("| peripheral_latest "))
        .stdout(predicate::str::contains("every peripheral: identity"));
    // A report's output is listed, with its meaning, once the report has run.
    roomsight()
        .args([
            "report",
            "utilization_daily",
            "--from",
            "2026-11-24",
            "--to",
            "2026-11-24",
            "--lake",
        ])
        .arg(&lake)
        .assert()
        .success();
    roomsight()
        .args(["sql", "-e", "\\d", "--lake"])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::contains("| utilization_daily "));
    roomsight()
        .args(["sql", "-e", "\\d rooms", "--lake"])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("rooms: "))
        .stdout(predicate::str::contains("capacity"));
}

#[test]
fn errors_exit_1_with_a_caret_and_writes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake(dir.path());
    roomsight()
        .args([
            "sql",
            "-e",
            "SELECT room_id FROM heartbeats WHERE nosuch > 1",
            "--lake",
        ])
        .arg(&lake)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nosuch"))
        .stderr(predicate::str::contains("^"));
    for (sql, what) in [
        ("DROP TABLE heartbeats", "DROP TABLE is not allowed"),
        ("COPY rooms TO '/tmp/leak.csv'", "COPY is not allowed"),
        (
            "CREATE EXTERNAL TABLE leak STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE EXTERNAL TABLE is not allowed",
        ),
    ] {
        roomsight()
            .args(["sql", "-e", sql, "--lake"])
            .arg(&lake)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(what));
    }
    roomsight()
        .args([
            "sql",
            "--format",
            "csv",
            "-e",
            "SELECT count(*) AS n FROM heartbeats",
            "--lake",
        ])
        .arg(&lake)
        .assert()
        .success()
        .stdout("n\n3\n");
}

#[test]
fn serve_refuses_the_network_without_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake(dir.path());
    roomsight()
        .args(["serve", "--listen", "0.0.0.0:0", "--lake"])
        .arg(&lake)
        .assert()
        .failure()
        .stderr(predicate::str::contains("without a password"));
    // A user without a password is a usage error.
    roomsight()
        .args(["serve", "--listen", "127.0.0.1:0", "--user", "bi", "--lake"])
        .arg(&lake)
        .assert()
        .code(2);
}

/// `roomsight serve` in the background; killed on drop if it is still running.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_answers_psql_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake(dir.path());
    let mut child = roomsight_process()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--user",
            "ops",
            "--lake",
        ])
        .arg(&lake)
        .env("ROOMSIGHT_PASSWORD", "from the environment")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let server = Serving(child);
    // "roomsight serve: listening on 127.0.0.1:PORT (lake …)"
    let started = Instant::now();
    let port = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "serve exited before listening"
        );
        if let Some(rest) = line.split("listening on 127.0.0.1:").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve never listened"
        );
    };
    // Keep draining the log so the server never blocks on a full pipe.
    let drain = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
        rest
    });
    let out = Command::new("psql")
        .env("PGPASSWORD", "from the environment")
        .args([
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            &port,
        ])
        .args(["-U", "ops", "-d", "roomsight", "-c", JOIN])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Lima|12|0\nOslo|8|3\n"
    );

    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut server = server;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "serve exited with {status}");
    let log = drain.join().unwrap();
    assert!(
        !log.contains("from the environment"),
        "the password was logged:\n{log}"
    );
}
