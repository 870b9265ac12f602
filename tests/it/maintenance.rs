//! `roomsight maintenance` and detection honouring windows, over hand-made telemetry: a room
//! system silent for 40 minutes in two rooms (one under a maintenance window), and two
//! peripherals disconnected during their own firmware updates (one for 15 minutes inside the
//! update's window, one for 30 minutes past it).

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::roomsight;

const ROOMS: &str = "\
room_id,name,site,building,floor,capacity,country,timezone,room_group,ring
room-1,Spree,Berlin HQ,B,2,10,DE,UTC,board,pilot
room-2,Hudson,Berlin HQ,B,3,6,DE,UTC,huddle,pilot
";

const DAY: &str = "2026-11-24";

fn at(minute: u32) -> String {
    format!("{DAY}T{:02}:{:02}:00Z", minute / 60, minute % 60)
}

fn heartbeat(room: u32, minute: u32) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"heartbeat","event_id":"hb-{room}-{minute}","ts":"{}","device_id":"dev-{room}","room_id":"room-{room}","platform":"windows","app_version":"5.2.1","os_version":"10.0.22631","teams_signed_in":true,"exchange_signed_in":true,"cpu_pct":12.5,"mem_pct":40,"uptime_s":{}}}"#,
        at(minute),
        36_000 + minute * 60
    )
}

fn peripheral(room: u32, id: &str, minute: u32, connected: bool) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"peripheral","event_id":"p-{id}-{minute}","ts":"{}","device_id":"dev-{room}","room_id":"room-{room}","peripheral_id":"{id}","kind":"room_camera","make":"Logi","model":"Rally","firmware":"1.2.3","connection":"{}","optional":false,"error_count":0}}"#,
        at(minute),
        if connected {
            "connected"
        } else {
            "disconnected"
        }
    )
}

/// Room systems are judged offline only while enrolled (under management).
fn enrolled(room: u32, minute: u32) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"enrollment","event_id":"enr-{room}","ts":"{}","device_id":"dev-{room}","room_id":"room-{room}","action":"enrolled","platform":"windows","make":"Lenovo","model":"ThinkSmart Core","serial":"SN-{room}"}}"#,
        at(minute)
    )
}

fn update(room: u32, target: &str, minute: u32, status: &str) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"update","event_id":"u-{target}-{status}","ts":"{}","device_id":"dev-{room}","room_id":"room-{room}","update_id":"upd-{target}","component":"firmware","target_id":"{target}","from_version":"1.2.3","to_version":"1.3.0","ring":"pilot","status":"{status}"}}"#,
        at(minute)
    )
}

/// Two rooms, enrolled at 07:50, beating 08:00–12:00: both room systems silent 09:00–09:40;
/// cam-1 (room 1) disconnected 10:02–10:17 during its firmware update 10:00–10:12; cam-2
/// (room 2) disconnected 10:05–10:52 after the same update. Each line with the minute it happens.
fn fleet_lines() -> Vec<(u32, String)> {
    let mut lines = Vec::new();
    for room in [1, 2] {
        lines.push((470, enrolled(room, 470)));
        for m in 480..=720 {
            let silent = m > 540 && m < 580;
            if silent {
                continue;
            }
            lines.push((m, heartbeat(room, m)));
            let (id, down) = if room == 1 {
                ("cam-1", (602..617).contains(&m))
            } else {
                ("cam-2", (605..652).contains(&m))
            };
            lines.push((m, peripheral(room, id, m, !down)));
        }
        let target = if room == 1 { "cam-1" } else { "cam-2" };
        lines.push((600, update(room, target, 600, "started")));
        lines.push((612, update(room, target, 612, "succeeded")));
    }
    lines
}

/// Loads the rooms and ingests the lines whose minute `keep` accepts.
fn ingest(lake: &Path, dir: &Path, keep: impl Fn(u32) -> bool) {
    let lines: Vec<String> = fleet_lines()
        .into_iter()
        .filter(|(m, _)| keep(*m))
        .map(|(_, l)| l)
        .collect();
    let events = dir.join("events.ndjson");
    std::fs::write(&events, lines.join("\n") + "\n").unwrap();
    let rooms = dir.join("rooms.csv");
    std::fs::write(&rooms, ROOMS).unwrap();
    roomsight()
        .args(["rooms", "load", "--lake"])
        .arg(lake)
        .arg(&rooms)
        .assert()
        .success();
    roomsight()
        .args(["ingest", "--once", "--lake"])
        .arg(lake)
        .arg("--file")
        .arg(&events)
        .assert()
        .success();
}

fn fleet(lake: &Path, dir: &Path) {
    ingest(lake, dir, |_| true);
}

fn add(lake: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    roomsight()
        .args(["maintenance", "add", "--lake"])
        .arg(lake)
        .args(["--reason", "display swap"])
        .args(extra)
        .assert()
}

fn incidents(lake: &Path) -> Vec<Value> {
    let out = roomsight()
        .args(["incidents", "list", "--all", "--format", "json", "--lake"])
        .arg(lake)
        .assert()
        .success();
    serde_json::from_slice::<Value>(&out.get_output().stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn of<'a>(rows: &'a [Value], kind: &str, device: &str) -> Vec<&'a Value> {
    rows.iter()
        .filter(|r| r["kind"] == kind && (r["device_id"] == device || r["peripheral_id"] == device))
        .collect()
}

#[test]
fn windows_keep_planned_work_from_opening_incidents_and_conditions_that_outlast_them_open_at_their_end()
 {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    fleet(&lake, dir.path());

    // The checks of `add`.
    add(
        &lake,
        &["--room", "room-1", "--from", &at(600), "--to", &at(540)],
    )
    .code(1)
    .stderr(predicate::str::contains("--to after --from"));
    add(
        &lake,
        &["--room", "room-9", "--from", &at(530), "--to", &at(600)],
    )
    .code(1)
    .stderr(predicate::str::contains("room-9").and(predicate::str::contains("--force")));
    add(
        &lake,
        &[
            "--room",
            "room-9",
            "--from",
            &at(530),
            "--to",
            &at(600),
            "--force",
        ],
    )
    .success();
    add(
        &lake,
        &["--room", "room-1", "--from", "yesterday", "--to", &at(600)],
    )
    .code(2)
    .stderr(predicate::str::contains("RFC 3339"));

    // A window over room 1 during its outage, added before detection.
    let added = add(
        &lake,
        &["--room", "room-1", "--from", &at(530), "--to", &at(600)],
    )
    .success();
    let id = String::from_utf8_lossy(&added.get_output().stdout)
        .trim()
        .to_owned();
    assert!(id.starts_with("mw-"), "{id}");

    let detected = roomsight()
        .args(["detect", "--lake"])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "held back by maintenance and update windows",
        ));
    let rows = incidents(&lake);
    assert_eq!(
        of(&rows, "device_offline", "dev-1").len(),
        0,
        "the window keeps room 1's outage quiet: {rows:#?}\n{}",
        String::from_utf8_lossy(&detected.get_output().stdout)
    );
    let outside = of(&rows, "device_offline", "dev-2");
    assert_eq!(
        outside.len(),
        1,
        "the same outage outside any window opens: {rows:#?}"
    );
    assert_eq!(outside[0]["opened_at"], at(550));
    // 15 minutes disconnected during its own firmware update: nothing.
    assert!(
        of(&rows, "peripheral_disconnected", "cam-1").is_empty(),
        "{rows:#?}"
    );
    // Disconnected 30 minutes past the update's window (10:12 + 10 min): opens at its end.
    let late = of(&rows, "peripheral_disconnected", "cam-2");
    assert_eq!(late.len(), 1, "{rows:#?}");
    assert_eq!(late[0]["opened_at"], at(622));

    // The windows in SQL: the one added, and the two update windows.
    let sql = roomsight()
        .args(["sql", "--format", "csv", "--lake"])
        .arg(&lake)
        .args([
            "-e",
            "SELECT window_id, source, device_id FROM effective_maintenance_windows \
             ORDER BY source, window_id",
        ])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&sql.get_output().stdout).to_string();
    assert!(text.contains(&format!("{id},maintenance,")), "{text}");
    assert!(text.contains("update:upd-cam-1,update,cam-1"), "{text}");
    assert!(text.contains("update:upd-cam-2,update,cam-2"), "{text}");

    // health_overview inside the room-wide window.
    let report = roomsight()
        .args([
            "report",
            "health_overview",
            "--format",
            "csv",
            "--as-of",
            at(570).as_str(),
            "--lake",
        ])
        .arg(&lake)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&report.get_output().stdout).to_string();
    let room1 = text.lines().find(|l| l.starts_with("room-1,")).unwrap();
    assert!(
        room1.contains(&format!(",maintenance,maintenance:{id},")),
        "{text}"
    );
    let room2 = text.lines().find(|l| l.starts_with("room-2,")).unwrap();
    assert!(room2.contains(",offline,no_heartbeat,"), "{text}");
}

#[test]
fn a_window_added_after_the_fact_silences_what_has_not_opened_yet_and_keeps_what_has() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    // The telemetry up to 09:50 first: both outages (09:00–09:40) open.
    ingest(&lake, dir.path(), |m| m < 590);
    roomsight()
        .args(["detect", "--lake"])
        .arg(&lake)
        .assert()
        .success();
    let before = incidents(&lake);
    let opened = of(&before, "device_offline", "dev-1");
    assert_eq!(opened.len(), 1, "{before:#?}");
    // Windows recorded afterwards, with --from in the past: over room 1's outage, and over
    // cam-2's disconnections (not detected yet).
    add(
        &lake,
        &["--room", "room-1", "--from", &at(530), "--to", &at(590)],
    )
    .success();
    add(
        &lake,
        &[
            "--room",
            "room-2",
            "--device",
            "cam-2",
            "--kind",
            "peripheral_disconnected",
            "--from",
            &at(590),
            "--to",
            &at(690),
        ],
    )
    .success();
    ingest(&lake, dir.path(), |m| m >= 590);
    roomsight()
        .args(["detect", "--lake"])
        .arg(&lake)
        .assert()
        .success();
    let after = incidents(&lake);
    // Already opened: stays, same id.
    let kept = of(&after, "device_offline", "dev-1");
    assert_eq!(kept.len(), 1, "{after:#?}");
    assert_eq!(kept[0]["incident_id"], opened[0]["incident_id"]);
    // Not opened yet: the window keeps it from opening.
    assert!(
        of(&after, "peripheral_disconnected", "cam-2").is_empty(),
        "{after:#?}"
    );
}

#[test]
fn list_and_end_show_and_close_windows() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    fleet(&lake, dir.path());
    let future = add(
        &lake,
        &[
            "--room",
            "room-2",
            "--from",
            "now",
            "--to",
            "2099-01-01T00:00:00Z",
        ],
    )
    .success();
    let id = String::from_utf8_lossy(&future.get_output().stdout)
        .trim()
        .to_owned();
    add(
        &lake,
        &["--room", "room-1", "--from", &at(530), "--to", &at(600)],
    )
    .success();
    // Without --all only windows not yet over.
    let listed = roomsight()
        .args(["maintenance", "list", "--format", "csv", "--lake"])
        .arg(&lake)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&listed.get_output().stdout).to_string();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&id));
    let all = roomsight()
        .args(["maintenance", "list", "--all", "--format", "csv", "--lake"])
        .arg(&lake)
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&all.get_output().stdout)
            .lines()
            .count(),
        3
    );

    roomsight()
        .args(["maintenance", "end", id.as_str(), "--lake"])
        .arg(&lake)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("ended {id}")));
    roomsight()
        .args(["maintenance", "end", id.as_str(), "--lake"])
        .arg(&lake)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already over"));
    roomsight()
        .args(["maintenance", "end", "mw-0000", "--lake"])
        .arg(&lake)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("maintenance list --all"));
}

#[test]
fn updates_gate_refuses_an_unknown_component_and_names_the_releases_taken_for_an_unknown_one() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    fleet(&lake, dir.path());
    roomsight()
        .args(["detect", "--lake"])
        .arg(&lake)
        .assert()
        .success();
    let gate = |component: &str, version: &str, ring: &str| {
        roomsight()
            .args(["updates", "gate", "--lake"])
            .arg(&lake)
            .args([
                "--component",
                component,
                "--version",
                version,
                "--ring",
                ring,
            ])
            .args(["--as-of", "2026-11-25T00:00:00Z"])
            .assert()
    };
    // A component that is not one of the five is a wrong command line.
    gate("frimware", "1.3.0", "pilot")
        .code(2)
        .stderr(predicate::str::contains("frimware").and(predicate::str::contains("firmware")));
    // A version, or a ring, no target has taken: exit 1, naming what was taken.
    for (version, ring) in [("9.9.9", "pilot"), ("1.3.0", "general")] {
        gate("firmware", version, ring).code(1).stderr(
            predicate::str::contains(format!("firmware {version}")).and(predicate::str::contains(
                "releases taken so far: 1.3.0 (pilot)",
            )),
        );
    }
    // The release both cameras took: two targets are too few to judge.
    gate("firmware", "1.3.0", "pilot")
        .code(3)
        .stdout(predicate::str::starts_with(
            "hold: firmware 1.3.0 in ring pilot:",
        ))
        .stdout(predicate::str::contains("only 2 targets"));
}
