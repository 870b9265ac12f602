//! `roomsight incidents` over a lake directory: open by hand, list, show, close.

use predicates::prelude::*;

use crate::roomsight;

#[test]
fn incidents_open_list_show_close() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().to_str().unwrap();
    let out = roomsight()
        .args([
            "incidents",
            "open",
            "--lake",
            lake,
            "--kind",
            "peripheral_disconnected",
        ])
        .args([
            "--room",
            "room-1",
            "--device",
            "dev-1",
            "--peripheral",
            "cam-1",
        ])
        .args(["--summary", "camera, shows nothing", "--format", "json"])
        .assert()
        .success();
    let opened: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let id = opened["incident_id"].as_str().unwrap().to_string();
    assert_eq!(opened["origin"], "customer");

    let list = roomsight()
        .args(["incidents", "list", "--lake", lake, "--format", "csv"])
        .assert()
        .success();
    let text = String::from_utf8(list.get_output().stdout.clone()).unwrap();
    let header = text.lines().next().unwrap();
    for column in [
        "incident_id",
        "kind",
        "severity",
        "state",
        "room_id",
        "device_id",
        "peripheral_id",
        "opened_at",
        "resolved_at",
        "closed_at",
    ] {
        assert!(header.split(',').any(|c| c == column), "{header}");
    }
    assert!(
        text.contains(&id) && text.contains("\"camera, shows nothing\""),
        "{text}"
    );

    roomsight()
        .args(["incidents", "show", &id, "--lake", lake])
        .assert()
        .success()
        .stdout(predicate::str::contains("opened"));
    roomsight()
        .args(["incidents", "close", &id, "--lake", lake])
        .assert()
        .success();
    roomsight()
        .args(["incidents", "list", "--lake", lake, "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains(&id).not());
    roomsight()
        .args([
            "incidents",
            "list",
            "--lake",
            lake,
            "--all",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("closed"));
    roomsight()
        .args(["incidents", "close", &id, "--lake", lake])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already closed"));
    roomsight()
        .args(["incidents", "open", "--lake", lake, "--kind", "broken"])
        .args(["--room", "r", "--device", "d", "--summary", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("device_offline"));
}
