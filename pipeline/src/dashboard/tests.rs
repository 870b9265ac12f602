//! The page's structure: every chart present, nothing fetched from the network, text escaped.

use chrono::{NaiveDate, NaiveDateTime};
use roomsight_queries::{Catalog, CatalogOptions};

use super::data::occupied_minutes;
use super::model::*;
use super::page::{CHARTS, RELEASES, render};
use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

const EVIL: &str = "<script>alert('x')</script> & \"Co\"";

fn sample() -> Dashboard {
    Dashboard {
        lake: "/data/lake".into(),
        generated_at: "2026-11-25T08:00:00Z".parse().unwrap(),
        headline: Headline {
            rooms: 30,
            sites: 3,
            meetings: 1234,
            open_incidents: 4,
            period: Some((d("2026-11-18"), d("2026-11-24"))),
        },
        health: vec![
            SiteHealth {
                site: EVIL.into(),
                healthy: 8,
                warning: 1,
                critical: 1,
                offline: 0,
            },
            SiteHealth {
                site: "Zürich HQ".into(),
                healthy: 12,
                warning: 0,
                critical: 2,
                offline: 1,
            },
        ],
        health_as_of: Some("2026-11-24T23:59:00Z".parse().unwrap()),
        utilization: (0..7)
            .map(|day| (0..24).map(|h| Some(f64::from(day * h % 60))).collect())
            .collect(),
        meeting_minutes: vec![(d("2026-11-23"), 3000.0), (d("2026-11-24"), 4200.0)],
        peripheral_models: vec![ModelReliability {
            label: EVIL.into(),
            disconnects_per_100_days: 12.5,
            peripheral_days: 80,
        }],
        incidents: vec![IncidentDay {
            date: d("2026-11-24"),
            critical: 2,
            warning: 3,
        }],
        compliance: vec![RingCompliance {
            ring: "pilot".into(),
            on_target: 9,
            targets: 10,
        }],
        reliability: Reliability {
            range: Some((d("2026-11-18"), d("2026-11-24"))),
            health: vec![
                HealthDay {
                    date: d("2026-11-23"),
                    rooms: 30,
                    healthy_rooms: 27,
                    healthy_pct: 90.0,
                },
                HealthDay {
                    date: d("2026-11-24"),
                    rooms: 30,
                    healthy_rooms: 30,
                    healthy_pct: 100.0,
                },
            ],
            least_reliable: vec![RoomReliability {
                label: EVIL.into(),
                days: 7,
                healthy_days: 2,
                affected_minutes: 1234,
            }],
            most_reliable: vec![RoomReliability {
                label: "Spree · Berlin HQ".into(),
                days: 7,
                healthy_days: 7,
                affected_minutes: 0,
            }],
            impact: vec![ImpactWeek {
                week: d("2026-11-23"),
                lost: 3,
                held: 2,
            }],
            models: vec![
                ModelFailures {
                    kind: "room_camera".into(),
                    make: EVIL.into(),
                    model: "Rally".into(),
                    firmware: "1.0".into(),
                    operating_hours: 100.0,
                    failures: 4,
                    mtbf_hours: Some(25.0),
                    mttr_minutes: Some(42.5),
                },
                ModelFailures {
                    kind: "microphone".into(),
                    make: "Shure".into(),
                    model: "MXA920".into(),
                    firmware: "2.0".into(),
                    operating_hours: 90.0,
                    failures: 1,
                    mtbf_hours: Some(90.0),
                    mttr_minutes: None,
                },
            ],
        },
        releases: vec![ReleaseVerdict {
            ring: "pilot".into(),
            component: "firmware".into(),
            version: "2.4.1".into(),
            targets: 9,
            evidence: "6.40 vs 0.90 · ratio 6.80 · p 2.1e-5".into(),
            verdict: "halt".into(),
            why: EVIL.into(),
        }],
        sources: vec![EVIL.into()],
    }
}

#[test]
fn the_worst_model_sums_its_firmwares_and_lost_meetings_add_up() {
    let r = sample().reliability;
    assert_eq!(r.meetings_lost(), 3);
    let (label, mtbf, failures) = r.worst_model().unwrap();
    assert!(label.starts_with("room_camera · "), "{label}");
    assert_eq!((mtbf, failures), (25.0, 4));
    assert_eq!(Reliability::default().worst_model(), None);
}

fn assert_self_contained(html: &str) {
    for banned in [
        "http://", "https://", "<script", "<link", "src=", "@import", "url(",
    ] {
        assert!(
            !html.contains(banned),
            "the page must not contain {banned:?}"
        );
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
}

#[test]
fn every_chart_is_drawn_and_text_is_escaped() {
    let html = render(&sample());
    assert_self_contained(&html);
    for id in CHARTS {
        let at = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no card {id}"));
        let card = &html[at..];
        let end = card.find("</section>").unwrap();
        assert!(
            card[..end].contains("<svg class=\"chart\""),
            "card {id} has no chart"
        );
    }
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;"));
    assert!(html.contains("Zürich HQ"));
    assert!(html.contains("1,234"), "headline meetings");
    assert!(html.contains("MTBF 25 h · MTTR 42.5 min · 4 failures"));
    assert!(html.contains("5 of 7 days unhealthy"));
}

#[test]
fn the_rings_newest_releases_are_listed_with_their_verdicts() {
    let html = render(&sample());
    let at = html.find(&format!("id=\"{RELEASES}\"")).unwrap();
    let card = &html[at..at + html[at..].find("</section>").unwrap()];
    assert!(card.contains("<td>2.4.1</td>"), "{card}");
    assert!(card.contains("class=\"verdict-halt\">halt<"), "{card}");
    assert!(
        card.contains("<td>6.40 vs 0.90 · ratio 6.80 · p 2.1e-5</td>"),
        "the evidence is shown, not only in the tooltip: {card}"
    );
    assert!(!card.contains("<script>"), "the reason is escaped: {card}");
    let empty = render(&Dashboard::default());
    assert!(empty.contains("No release has been taken"));
}

#[test]
fn an_empty_dashboard_is_a_complete_page_of_empty_charts() {
    let html = render(&Dashboard::default());
    assert_self_contained(&html);
    assert_eq!(html.matches("class=\"chart empty\"").count(), CHARTS.len());
    assert!(html.contains("no telemetry yet"));
}

#[test]
fn overlapping_meetings_count_once_and_split_at_hour_boundaries() {
    // 2026-11-23 is a Monday.
    let mut meetings = vec![
        (dt("2026-11-23 09:30"), dt("2026-11-23 10:15")),
        (dt("2026-11-23 09:45"), dt("2026-11-23 10:00")),
        (dt("2026-11-24 23:30"), dt("2026-11-25 00:30")),
    ];
    let m = occupied_minutes(&mut meetings);
    assert_eq!(m[0][9], 30.0);
    assert_eq!(m[0][10], 15.0);
    assert_eq!(m[1][23], 30.0, "Tuesday 23:00");
    assert_eq!(m[2][0], 30.0, "Wednesday 00:00");
    let total: f64 = m.iter().flatten().sum();
    assert_eq!(total, 105.0);
}

#[tokio::test]
async fn an_empty_lake_gives_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let catalog = Catalog::open(lake.to_str().unwrap(), CatalogOptions::default())
        .await
        .unwrap();
    let out = dir.path().join("out");
    let page = write(&catalog, &out, Default::default()).await.unwrap();
    assert_eq!(page, out.join(PAGE));
    let html = std::fs::read_to_string(page).unwrap();
    assert_self_contained(&html);
    assert_eq!(html.matches("class=\"chart empty\"").count(), CHARTS.len());
}
