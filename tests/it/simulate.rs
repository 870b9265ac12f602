//! `roomsight simulate`: files, determinism, and that its output passes `validate`.

use predicates::prelude::*;

use crate::roomsight;

fn simulate(out: &std::path::Path, seed: &str) {
    roomsight()
        .args([
            "simulate",
            "--rooms",
            "6",
            "--days",
            "2",
            "--start",
            "2026-03-28",
            "--seed",
            seed,
        ])
        .args(["--duplicates", "0.02", "--late", "0.01", "--out"])
        .arg(out)
        .assert()
        .success()
        .stdout(predicate::str::contains("simulated 6 rooms for 2 days"));
}

#[test]
fn writes_the_three_files_deterministically_and_they_validate() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    simulate(&a, "1");
    simulate(&b, "1");
    simulate(&c, "2");
    for file in ["rooms.csv", "events.ndjson", "faults.csv", "releases.csv"] {
        let x = std::fs::read(a.join(file)).unwrap();
        assert!(!x.is_empty(), "{file} is empty");
        assert_eq!(
            x,
            std::fs::read(b.join(file)).unwrap(),
            "{file} differs for the same seed"
        );
    }
    assert_ne!(
        std::fs::read(a.join("events.ndjson")).unwrap(),
        std::fs::read(c.join("events.ndjson")).unwrap(),
        "another seed gives another fleet"
    );
    let rooms = std::fs::read_to_string(a.join("rooms.csv")).unwrap();
    assert!(rooms.starts_with(
        "room_id,name,site,building,floor,capacity,country,timezone,room_group,ring\n"
    ));
    roomsight()
        .args(["validate", "--now", "2026-04-01T00:00:00Z"])
        .arg(a.join("events.ndjson"))
        .assert()
        .success()
        .stdout(predicate::str::contains(" 0 invalid"));
}

#[test]
fn nonsense_settings_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    roomsight()
        .args(["simulate", "--rooms", "0", "--out"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("rooms"));
    roomsight()
        .args(["simulate", "--duplicates", "1.5", "--out"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("duplicates"));
}
