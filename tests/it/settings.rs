//! Settings layering: flag over `ROOMSIGHT_*` over the TOML file.

use predicates::prelude::*;

use crate::{heartbeat, roomsight};

fn fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.ndjson");
    // Valid as of 2026-11-24T12:00Z, in the future as of 2026-11-24T09:00Z.
    std::fs::write(&path, heartbeat("a")).unwrap();
    (dir, path)
}

#[test]
fn the_file_sets_a_flag() {
    let (dir, events) = fixture();
    let settings = dir.path().join("roomsight.toml");
    std::fs::write(&settings, "[validate]\nnow = \"2026-11-24T09:00:00Z\"\n").unwrap();
    roomsight()
        .arg("--config")
        .arg(&settings)
        .arg("validate")
        .arg(&events)
        .assert()
        .code(1);
}

#[test]
fn the_environment_beats_the_file_and_the_flag_beats_both() {
    let (dir, events) = fixture();
    let settings = dir.path().join("roomsight.toml");
    std::fs::write(&settings, "now = \"2026-11-24T09:00:00Z\"\n").unwrap();
    roomsight()
        .env("ROOMSIGHT_CONFIG", &settings)
        .env("ROOMSIGHT_NOW", "2026-11-24T12:00:00Z")
        .arg("validate")
        .arg(&events)
        .assert()
        .success();
    roomsight()
        .env("ROOMSIGHT_CONFIG", &settings)
        .env("ROOMSIGHT_NOW", "2026-11-24T09:00:00Z")
        .args(["validate", "--now", "2026-11-24T12:00:00Z"])
        .arg(&events)
        .assert()
        .success();
}

#[test]
fn a_roomsight_toml_in_the_working_directory_is_read() {
    let (dir, events) = fixture();
    std::fs::write(
        dir.path().join("roomsight.toml"),
        "now = \"2026-11-24T09:00:00Z\"\n",
    )
    .unwrap();
    roomsight()
        .current_dir(dir.path())
        .arg("validate")
        .arg(&events)
        .assert()
        .code(1);
}

#[test]
fn unknown_settings_are_refused_with_exit_2() {
    let (dir, events) = fixture();
    let settings = dir.path().join("bad.toml");
    std::fs::write(&settings, "nwo = 1\n").unwrap();
    roomsight()
        .arg("--config")
        .arg(&settings)
        .arg("validate")
        .arg(&events)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown settings: `nwo`"));
}
