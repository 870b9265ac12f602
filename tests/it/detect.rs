//! `roomsight detect` and `roomsight models` over a small simulated fleet.

use predicates::prelude::*;

use crate::roomsight;

fn written(stdout: &[u8]) -> usize {
    let text = String::from_utf8_lossy(stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("incident events written:"))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"));
    line["incident events written:".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn detect_opens_incidents_once_and_eval_judges_them_against_the_faults() {
    let dir = tempfile::tempdir().unwrap();
    let (fleet, lake) = (dir.path().join("fleet"), dir.path().join("lake"));
    let lake = lake.to_str().unwrap();
    roomsight()
        .args([
            "simulate",
            "--rooms",
            "6",
            "--days",
            "3",
            "--start",
            "2026-11-02",
        ])
        .args(["--seed", "3", "--fault-rate", "3", "--out"])
        .arg(&fleet)
        .assert()
        .success();
    roomsight()
        .args(["ingest", "--lake", lake, "--once", "--file"])
        .arg(fleet.join("events.ndjson"))
        .assert()
        .success();
    let model = dir.path().join("model.json");
    roomsight()
        .args(["models", "train", "--lake", lake, "--out"])
        .arg(&model)
        .assert()
        .success()
        .stdout(predicate::str::contains("open threshold"));

    let first = roomsight()
        .args(["detect", "--lake", lake, "--model"])
        .arg(&model)
        .assert()
        .success();
    let opened = written(&first.get_output().stdout);
    assert!(opened > 0, "a fleet with faults opened no incident");
    // Deterministic: the same lake again changes nothing.
    let again = roomsight()
        .args(["detect", "--lake", lake, "--model"])
        .arg(&model)
        .assert()
        .success();
    assert_eq!(written(&again.get_output().stdout), 0);

    let eval = roomsight()
        .args([
            "models", "eval", "--lake", lake, "--format", "json", "--faults",
        ])
        .arg(fleet.join("faults.csv"))
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&eval.get_output().stdout).unwrap();
    let types = v["types"].as_array().unwrap();
    assert_eq!(types.len(), 6);
    let faults: u64 = types.iter().map(|t| t["faults"].as_u64().unwrap()).sum();
    let detected: u64 = types.iter().map(|t| t["detected"].as_u64().unwrap()).sum();
    assert!(faults > 0 && detected > 0, "{v}");
}

#[test]
fn models_score_writes_a_score_and_an_anomaly_flag_per_point() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("series.csv");
    let mut csv = String::from("timestamp,value\n");
    for i in 0..60 {
        let v = 10.0 + f64::from(i % 3) * 0.1 + if i >= 45 { 5.0 } else { 0.0 };
        csv.push_str(&format!("2026-11-02T{:02}:{:02}:00Z,{v}\n", i / 60, i % 60));
    }
    std::fs::write(&input, csv).unwrap();
    let output = dir.path().join("scored.csv");
    roomsight()
        .args(["models", "score", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .assert()
        .success();
    let text = std::fs::read_to_string(&output).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "timestamp,value,score,anomaly");
    assert_eq!(lines.len(), 61);
    assert!(lines[10].ends_with(",0"), "{}", lines[10]);
    // The shift at point 45 (line 46) leaves the range seen so far: score 1, an anomaly; the
    // points after it are suppressed rather than flagged again.
    assert!(lines[46].ends_with(",1.000000,1"), "{}", lines[46]);
    assert!(lines[48].ends_with(",0"), "{}", lines[48]);
    for l in &lines[1..] {
        let score: f64 = l.split(',').nth(2).unwrap().parse().unwrap();
        assert!((0.0..=1.0).contains(&score), "{l}");
    }
}

#[test]
fn detect_on_a_missing_lake_fails_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    roomsight()
        .args(["detect", "--lake"])
        .arg(dir.path().join("nowhere"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--lake"));
}
