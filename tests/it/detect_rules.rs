//! `roomsight detect` over small hand-written lakes (NDJSON → `ingest --once`, no broker): each
//! test pins one rule of docs/incidents.md that the code once departed from, at fixed dates.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;

use crate::roomsight;

const ENVELOPE: &str = r#""schema":"roomsight.telemetry/v1""#;

fn day(s: &str) -> DateTime<Utc> {
    s.parse::<NaiveDate>()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn heartbeat(id: &str, device: &str, room: &str, at: DateTime<Utc>) -> String {
    format!(
        r#"{{{ENVELOPE},"type":"heartbeat","event_id":"{id}","ts":"{}","device_id":"{device}","room_id":"{room}","platform":"windows","app_version":"5.2.1","os_version":"10.0.22631","teams_signed_in":true,"exchange_signed_in":true,"cpu_pct":12.5,"mem_pct":40,"uptime_s":3600}}"#,
        ts(at)
    )
}

/// A heartbeat every minute from `from` (inclusive) to `to` (inclusive).
fn beating(device: &str, room: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    let mut t = from;
    while t <= to {
        out.push(heartbeat(
            &format!("hb-{device}-{}", t.timestamp()),
            device,
            room,
            t,
        ));
        t += Duration::minutes(1);
    }
    out
}

fn enrollment(id: &str, device: &str, room: &str, at: DateTime<Utc>, action: &str) -> String {
    format!(
        r#"{{{ENVELOPE},"type":"enrollment","event_id":"{id}","ts":"{}","device_id":"{device}","room_id":"{room}","action":"{action}","platform":"windows","make":"Lenovo","model":"ThinkSmart Core","serial":"SN-{device}"}}"#,
        ts(at)
    )
}

/// A meeting event (sent at `sent`) of a 20-minute call ending at `end`; poor calls lose 15 %
/// of their packets.
fn meeting(
    id: &str,
    meeting_id: &str,
    device: &str,
    room: &str,
    end: DateTime<Utc>,
    sent: DateTime<Utc>,
    poor: bool,
) -> String {
    let loss = if poor { 15.0 } else { 0.5 };
    format!(
        r#"{{{ENVELOPE},"type":"meeting","event_id":"{id}","ts":"{}","device_id":"{device}","room_id":"{room}","meeting_id":"{meeting_id}","start":"{}","end":"{}","scheduled":true,"participants":4,"platform":"teams","packet_loss_pct":{loss},"jitter_ms":8.0,"rtt_ms":60.0}}"#,
        ts(sent),
        ts(end - Duration::minutes(20)),
        ts(end)
    )
}

/// Calls of one room, one every 30 minutes from `from`, all sent when they end.
fn calls(room: &str, devices: &[&str], from: DateTime<Utc>, poor: &[bool]) -> Vec<String> {
    poor.iter()
        .enumerate()
        .map(|(k, &p)| {
            let end = from + Duration::minutes(30 * k as i64 + 20);
            let device = devices[k % devices.len()];
            let id = format!("{room}-call-{k}");
            meeting(&id, &format!("m-{id}"), device, room, end, end, p)
        })
        .collect()
}

fn update(id: &str, update_id: &str, device: &str, at: DateTime<Utc>, status: &str) -> String {
    format!(
        r#"{{{ENVELOPE},"type":"update","event_id":"{id}","ts":"{}","device_id":"{device}","room_id":"r1","update_id":"{update_id}","component":"teams_app","target_id":"{device}","from_version":"1.0","to_version":"2.0","ring":"pilot","status":"{status}","error":"install failed"}}"#,
        ts(at)
    )
}

/// A lake holding `lines`.
fn lake_of(dir: &tempfile::TempDir, lines: &[String]) -> String {
    let file = dir.path().join("events.ndjson");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let lake = dir.path().join("lake").to_str().unwrap().to_owned();
    roomsight()
        .args(["ingest", "--once", "--lake", &lake, "--file"])
        .arg(&file)
        .assert()
        .success();
    lake
}

fn detect(lake: &str, from: &str, to: &str) {
    roomsight()
        .args(["detect", "--lake", lake, "--from", from, "--to", to])
        .assert()
        .success();
}

/// Every incident (its latest state) of `kind`.
fn incidents(lake: &str, kind: &str) -> Vec<Value> {
    let out = roomsight()
        .args([
            "incidents",
            "list",
            "--all",
            "--format",
            "json",
            "--lake",
            lake,
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let all: Vec<Value> = serde_json::from_slice(&out).unwrap();
    all.into_iter().filter(|i| i["kind"] == kind).collect()
}

/// The watermark: a room system heartbeating after everything else happened.
fn watermark(at: DateTime<Utc>) -> String {
    heartbeat("hb-watermark", "dev-w", "rw", at)
}

#[test]
fn call_quality_counts_a_resent_meeting_once_with_its_latest_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = day("2026-11-02");
    let mut lines = calls("r1", &["d1"], d, &[false; 200]);
    lines.extend(calls("r2", &["d2"], d, &[false; 200]));
    // The room's last 20 calls were first sent as poor, then resent corrected (the same
    // meeting_id and `ts`, which the contract makes the call's end, and a greater event_id):
    // the latest version of each is a good call.
    for k in 200..220 {
        let end = d + Duration::minutes(30 * k + 20);
        let meeting_id = format!("m-r1-late-{k}");
        lines.push(meeting(
            &format!("r1-late-{k}"),
            &meeting_id,
            "d1",
            "r1",
            end,
            end,
            true,
        ));
        lines.push(meeting(
            &format!("r1-late-{k}-v2"),
            &meeting_id,
            "d1",
            "r1",
            end,
            end,
            false,
        ));
    }
    lines.push(watermark(d + Duration::days(6)));
    let lake = lake_of(&dir, &lines);
    detect(&lake, "2026-11-02", "2026-11-08");
    let found = incidents(&lake, "call_quality_degraded");
    assert!(
        found.is_empty(),
        "every call's latest version is good: {found:#?}"
    );
}

#[test]
fn call_quality_compares_shares_per_room_not_per_room_system() {
    let dir = tempfile::tempdir().unwrap();
    let d = day("2026-11-02");
    // Room r1 has two room systems that take turns; its last 20 calls are all poor.
    let mut poor = vec![false; 200];
    poor.extend([true; 20]);
    let mut lines = calls("r1", &["d1a", "d1b"], d, &poor);
    lines.extend(calls("r2", &["d2"], d, &[false; 200]));
    lines.push(watermark(d + Duration::days(6)));
    let lake = lake_of(&dir, &lines);
    detect(&lake, "2026-11-02", "2026-11-08");
    let found = incidents(&lake, "call_quality_degraded");
    assert_eq!(found.len(), 1, "one room, one incident: {found:#?}");
    assert_eq!(found[0]["room_id"], "r1");
}

#[test]
fn call_quality_judges_the_last_calls_against_the_rooms_calls_before_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = day("2026-11-02");
    // 30 good calls, then 20 poor ones. Counted into its own baseline, the burst would raise
    // the room's share to 40 % and hide itself (100 % < 3 × 40 %); the calls before it were
    // all good.
    let mut poor = vec![false; 30];
    poor.extend([true; 20]);
    let mut lines = calls("r1", &["d1"], d, &poor);
    lines.extend(calls("r2", &["d2"], d, &[false; 100]));
    lines.push(watermark(d + Duration::days(3)));
    let lake = lake_of(&dir, &lines);
    detect(&lake, "2026-11-02", "2026-11-05");
    let found = incidents(&lake, "call_quality_degraded");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["room_id"], "r1");
    assert_eq!(found[0]["details"]["room_poor_share"], 0.0);
}

#[test]
fn device_offline_ignores_a_system_unenrolled_before_its_last_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    let d = day("2026-11-02");
    let h = |hour: i64, min: i64| d + Duration::hours(hour) + Duration::minutes(min);
    let mut lines = vec![
        enrollment("en-a", "dev-a", "ra", h(7, 55), "enrolled"),
        // Unenrolled at 08:30, it kept beating until it was switched off at 09:00.
        enrollment("un-a", "dev-a", "ra", h(8, 30), "unenrolled"),
        enrollment("en-b", "dev-b", "rb", h(7, 55), "enrolled"),
        enrollment("en-w", "dev-w", "rw", h(7, 55), "enrolled"),
    ];
    lines.extend(beating("dev-a", "ra", h(8, 0), h(9, 0)));
    lines.extend(beating("dev-b", "rb", h(8, 0), h(9, 0)));
    lines.extend(beating("dev-w", "rw", h(8, 0), h(12, 0)));
    // Never enrolled: not under management, never offline.
    lines.extend(beating("dev-x", "rx", h(8, 0), h(9, 0)));
    let lake = lake_of(&dir, &lines);
    detect(&lake, "2026-11-02", "2026-11-02");
    let found = incidents(&lake, "device_offline");
    let devices: Vec<&str> = found
        .iter()
        .map(|i| i["device_id"].as_str().unwrap())
        .collect();
    assert_eq!(devices, ["dev-b"], "{found:#?}");
    assert_eq!(found[0]["state"], "open");
}

#[test]
fn detect_from_a_later_date_does_not_resolve_an_incident_it_sees_no_observations_of() {
    let dir = tempfile::tempdir().unwrap();
    let d = day("2026-11-02");
    let h = |days: i64, hour: i64| d + Duration::days(days) + Duration::hours(hour);
    let mut lines = vec![
        enrollment("en-b", "dev-b", "rb", h(0, 7), "enrolled"),
        enrollment("en-w", "dev-w", "rw", h(0, 7), "enrolled"),
    ];
    // dev-b goes silent on the first day and stays silent; dev-w beats then, and ten and
    // eleven days later.
    lines.extend(beating("dev-b", "rb", h(0, 8), h(0, 9)));
    lines.extend(beating("dev-w", "rw", h(0, 8), h(0, 9)));
    lines.extend(beating("dev-w", "rw", h(10, 8), h(10, 9)));
    lines.extend(beating("dev-w", "rw", h(11, 8), h(11, 9)));
    let lake = lake_of(&dir, &lines);
    detect(&lake, "2026-11-02", "2026-11-12");
    let offline = |lake: &str| {
        incidents(lake, "device_offline")
            .into_iter()
            .filter(|i| i["device_id"] == "dev-b")
            .collect::<Vec<_>>()
    };
    let before = offline(&lake);
    assert_eq!(before.len(), 1, "{before:#?}");
    assert_eq!(before[0]["state"], "open");

    // Judging only the next date (its look-back starts after dev-b's last heartbeat): dev-b
    // is still silent, and nothing in the range says otherwise.
    detect(&lake, "2026-11-13", "2026-11-13");
    let after = offline(&lake);
    assert_eq!(after.len(), 1, "{after:#?}");
    assert_eq!(after[0]["incident_id"], before[0]["incident_id"]);
    assert_eq!(after[0]["state"], "open", "{after:#?}");
    assert_eq!(after[0]["resolved_at"], Value::Null);
}

#[test]
fn update_failed_turns_critical_on_a_second_failed_step_not_a_second_event_of_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let d = day("2026-11-02");
    let h = |hour: i64, min: i64| d + Duration::hours(hour) + Duration::minutes(min);
    let lines = vec![
        // One step (u1) reported twice: failed, then rolled back.
        update("u1-failed", "u1", "dev-a", h(10, 0), "failed"),
        update("u1-rolled", "u1", "dev-a", h(10, 5), "rolled_back"),
        // A second step (u2) for the same target and version fails two hours later.
        update("u2-failed", "u2", "dev-a", h(12, 0), "failed"),
        watermark(h(14, 0)),
    ];
    let lake = lake_of(&dir, &lines);
    detect(&lake, "2026-11-02", "2026-11-02");
    let mut found = incidents(&lake, "update_failed");
    found.sort_by_key(|i| i["opened_at"].as_str().unwrap().to_owned());
    let seen: Vec<(&str, &str)> = found
        .iter()
        .map(|i| {
            (
                i["opened_at"].as_str().unwrap(),
                i["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("2026-11-02T10:00:00Z", "warning"),
            ("2026-11-02T12:00:00Z", "critical")
        ],
        "{found:#?}"
    );
}
