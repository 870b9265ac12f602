//! `roomsight dashboard`: a page from a simulated fleet, and from an empty lake.

use std::path::Path;

use crate::roomsight;

const CHARTS: [&str; 11] = [
    "health-by-site",
    "utilization-heatmap",
    "meeting-minutes",
    "peripheral-models",
    "incidents-trend",
    "update-compliance",
    "room-health",
    "least-reliable-rooms",
    "most-reliable-rooms",
    "meetings-lost",
    "failure-models",
];

/// The HTML of one chart card.
fn card<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no card {id}"));
    let end = html[at..].find("</section>").unwrap();
    &html[at..at + end]
}

fn draw(lake: &Path, out: &Path) -> String {
    let assert = roomsight()
        .args(["dashboard", "--lake"])
        .arg(lake)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    let printed = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let page = out.join("index.html");
    assert_eq!(printed.trim(), page.display().to_string());
    let html = std::fs::read_to_string(page).unwrap();
    for banned in ["http://", "https://", "<script", "<link", "src="] {
        assert!(
            !html.contains(banned),
            "the page must not contain {banned:?}"
        );
    }
    html
}

#[test]
fn a_simulated_fleet_fills_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    let (fleet, lake, out) = (
        dir.path().join("fleet"),
        dir.path().join("lake"),
        dir.path().join("out"),
    );
    roomsight()
        .args([
            "simulate",
            "--rooms",
            "6",
            "--days",
            "3",
            "--start",
            "2026-11-04",
            "--seed",
            "7",
            "--out",
        ])
        .arg(&fleet)
        .assert()
        .success();
    roomsight()
        .args(["ingest", "--once", "--lake"])
        .arg(&lake)
        .arg("--file")
        .arg(fleet.join("events.ndjson"))
        .assert()
        .success();
    roomsight()
        .args(["rooms", "load", "--lake"])
        .arg(&lake)
        .arg(fleet.join("rooms.csv"))
        .assert()
        .success();
    let html = draw(&lake, &out);
    for id in [
        "health-by-site",
        "utilization-heatmap",
        "meeting-minutes",
        "peripheral-models",
        // every room has a health row each day, incidents or not
        "room-health",
        "least-reliable-rooms",
        "most-reliable-rooms",
    ] {
        let card = card(&html, id);
        assert!(
            card.contains("<svg class=\"chart\""),
            "{id} is empty: {card}"
        );
    }
    for id in CHARTS {
        assert!(card(&html, id).contains("<svg"), "{id} has no chart");
    }
}

#[test]
fn an_empty_lake_gives_a_page_of_empty_charts() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    std::fs::create_dir_all(&lake).unwrap();
    let html = draw(&lake, &dir.path().join("out"));
    for id in CHARTS {
        assert!(
            card(&html, id).contains("chart empty"),
            "{id} should say no data"
        );
    }
}
