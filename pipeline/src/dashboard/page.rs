//! The HTML page: headline tiles, the chart cards and the release verdict table; CSS inline, SVG
//! inline, no script.

use std::fmt::Write as _;

use chrono::SecondsFormat;

use super::escape::escape;
use super::model::{Dashboard, Reliability, RoomReliability};
use super::svg::{self, Series, colour};

/// The ids of the chart cards, in page order (tests look for them).
pub const CHARTS: [&str; 11] = [
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

/// Bars on the MTBF chart.
const TOP_FAILURE_MODELS: usize = 12;

/// The id of the card listing each ring's newest releases with their verdicts (a table).
pub const RELEASES: &str = "release-verdicts";

fn release_table(d: &Dashboard) -> String {
    if d.releases.is_empty() {
        return "<p class=\"sub\">No release has been taken by any target yet.</p>".to_owned();
    }
    let mut t = String::from(
        "<table class=\"releases\"><tr><th>ring</th><th>component</th><th>version</th>\
         <th>targets</th><th>affected per 100 device-days: after vs control</th>\
         <th>verdict</th></tr>",
    );
    for r in &d.releases {
        let _ = write!(
            t,
            "<tr title=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"verdict-{}\">{}</td></tr>",
            escape(&r.why),
            escape(&r.ring),
            escape(&r.component),
            escape(&r.version),
            r.targets,
            escape(&r.evidence),
            escape(&r.verdict),
            escape(&r.verdict)
        );
    }
    t.push_str("</table>");
    t
}

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;background:#eef1f5;color:#1f2a36;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
header{background:#1d3557;color:#fff;padding:22px 32px 18px}
header h1{margin:0;font-size:24px;font-weight:600;letter-spacing:.2px}
header p{margin:4px 0 0;color:#c9d6e8;font-size:13px}
main{max-width:1360px;margin:0 auto;padding:20px 24px 32px}
.tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:16px;margin-bottom:18px}
.tile{background:#fff;border-radius:10px;padding:14px 18px;box-shadow:0 1px 2px rgba(16,24,40,.08)}
.tile .v{font-size:30px;font-weight:650;color:#1d3557}
.tile .k{font-size:12px;text-transform:uppercase;letter-spacing:.6px;color:#667085}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.card{background:#fff;border-radius:10px;padding:16px 18px 12px;box-shadow:0 1px 2px rgba(16,24,40,.08);min-width:0}
.card.wide{grid-column:1 / -1}
.card h2{margin:0 0 2px;font-size:16px;font-weight:600}
.card p.sub{margin:0 0 10px;font-size:12.5px;color:#667085}
svg.chart{width:100%;height:auto;display:block}
table.releases{width:100%;border-collapse:collapse;font-size:13px}
table.releases th,table.releases td{text-align:left;padding:4px 6px;border-bottom:1px solid #e4e7ec}
.verdict-promote{color:#1a7f37;font-weight:600}
.verdict-hold{color:#9a6700;font-weight:600}
.verdict-halt{color:#cf222e;font-weight:700}
footer{max-width:1360px;margin:0 auto;padding:0 24px 28px;color:#667085;font-size:12px}
@media (max-width:900px){.grid{grid-template-columns:1fr}.tiles{grid-template-columns:1fr 1fr}}
";

fn tile(value: &str, key: &str) -> String {
    format!(
        "<div class=\"tile\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
        escape(value),
        escape(key)
    )
}

fn card(id: &str, title: &str, subtitle: &str, chart: &str, wide: bool) -> String {
    format!(
        "<section class=\"card{}\" id=\"{id}\"><h2>{}</h2><p class=\"sub\">{}</p>{chart}</section>",
        if wide { " wide" } else { "" },
        escape(title),
        escape(subtitle)
    )
}

/// Renders the whole page.
pub fn render(d: &Dashboard) -> String {
    let h = &d.headline;
    let period = h.period.map_or_else(
        || "no telemetry yet".to_owned(),
        |(from, to)| format!("{from} – {to}"),
    );
    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>roomsight · estate dashboard</title><style>{STYLE}</style></head><body>\
         <header><h1>Meeting-room estate</h1><p>{} · lake {} · generated {}</p></header><main>",
        escape(&period),
        escape(&d.lake),
        escape(&d.generated_at.to_rfc3339_opts(SecondsFormat::Secs, true))
    );
    html.push_str("<div class=\"tiles\">");
    html.push_str(&tile(&svg::number(h.rooms as f64), "rooms"));
    html.push_str(&tile(&svg::number(h.sites as f64), "sites"));
    html.push_str(&tile(&svg::number(h.meetings as f64), "meetings"));
    html.push_str(&tile(
        &svg::number(h.open_incidents as f64),
        "open incidents",
    ));
    html.push_str("</div><div class=\"grid\">");

    let health_rows: Vec<(String, Vec<f64>)> = d
        .health
        .iter()
        .map(|s| {
            let counts = [s.healthy, s.warning, s.critical, s.offline];
            (s.site.clone(), counts.iter().map(|c| *c as f64).collect())
        })
        .collect();
    let health_series = [
        Series::new("healthy", colour::GOOD),
        Series::new("warning", colour::WARN),
        Series::new("critical", colour::BAD),
        Series::new("offline", colour::MUTED),
    ];
    let as_of = d.health_as_of.map_or_else(
        || "as of the newest telemetry".to_owned(),
        |t| format!("as of {}", t.format("%Y-%m-%d %H:%M UTC")),
    );
    html.push_str(&card(
        CHARTS[0],
        "Rooms by health status per site",
        &as_of,
        &svg::stacked_bars(&health_rows, &health_series, "No rooms have reported yet"),
        false,
    ));

    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let max = d
        .utilization
        .iter()
        .flatten()
        .flatten()
        .copied()
        .fold(0.0, f64::max);
    html.push_str(&card(
        CHARTS[1],
        "Utilization by weekday and hour",
        "share of each room-hour occupied by meetings, room-local time, mean over rooms and weeks",
        &svg::heatmap(
            &DAYS,
            &hours,
            &d.utilization,
            svg::nice_max(max).min(100.0),
            "%",
            "No meetings yet",
        ),
        false,
    ));

    let minutes: Vec<(String, f64)> = d
        .meeting_minutes
        .iter()
        .map(|(date, m)| (date.to_string(), m / 60.0))
        .collect();
    html.push_str(&card(
        CHARTS[2],
        "Meeting hours per day",
        "sum of meeting durations, by the local date each meeting started",
        &svg::line(&minutes, "h", "No meetings yet"),
        false,
    ));

    let models: Vec<(String, f64)> = d
        .peripheral_models
        .iter()
        .map(|m| (m.label.clone(), m.disconnects_per_100_days))
        .collect();
    html.push_str(&card(
        CHARTS[3],
        "Least reliable peripheral models",
        "disconnects per 100 peripheral-days, worst first",
        &svg::bars(&models, colour::BAD, "", "No peripheral telemetry yet"),
        false,
    ));

    let incidents: Vec<(String, Vec<f64>)> = d
        .incidents
        .iter()
        .map(|i| {
            (
                i.date.to_string(),
                vec![i.critical as f64, i.warning as f64],
            )
        })
        .collect();
    html.push_str(&card(
        CHARTS[4],
        "Incidents opened per day",
        "by severity",
        &svg::stacked_columns(
            &incidents,
            &[
                Series::new("critical", colour::BAD),
                Series::new("warning", colour::WARN),
            ],
            "No incidents recorded",
        ),
        false,
    ));

    let rings: Vec<(String, Vec<f64>)> = d
        .compliance
        .iter()
        .map(|r| {
            let pct = if r.targets > 0 {
                100.0 * r.on_target as f64 / r.targets as f64
            } else {
                0.0
            };
            (
                format!("{} ({}%)", r.ring, svg::number(pct)),
                vec![
                    r.on_target as f64,
                    r.targets.saturating_sub(r.on_target) as f64,
                ],
            )
        })
        .collect();
    html.push_str(&card(
        CHARTS[5],
        "Update compliance per ring",
        "targets on their line's target version, all components",
        &svg::stacked_bars(
            &rings,
            &[
                Series::new("on target", colour::GOOD),
                Series::new("behind", colour::WARN),
            ],
            "No update telemetry yet",
        ),
        false,
    ));

    reliability_cards(&mut html, &d.reliability);
    html.push_str(&card(
        RELEASES,
        "Newest release per ring",
        "each component's newest version in each ring, judged by update_impact",
        &release_table(d),
        true,
    ));

    html.push_str("</div></main><footer>");
    let _ = write!(
        html,
        "Drawn by roomsight from the Parquet lake; numbers as defined in roomsight's docs/reports.md. Sources: {}.",
        escape(&d.sources.join("; "))
    );
    html.push_str("</footer></body></html>\n");
    html
}

/// The estate owner's cards: healthy rooms per day, the least and most reliable rooms, meetings
/// lost to incidents per week, MTBF and MTTR per model and firmware.
fn reliability_cards(html: &mut String, r: &Reliability) {
    let range = r
        .range
        .map_or_else(String::new, |(from, to)| format!("{from} – {to}, "));
    let healthy: Vec<(String, f64)> = r
        .health
        .iter()
        .map(|d| (d.date.to_string(), d.healthy_pct))
        .collect();
    html.push_str(&card(
        CHARTS[6],
        "Healthy rooms per day",
        &format!(
            "{range}share of rooms that critical incidents affected for at most 20 minutes between 05:00 and 21:00 local time"
        ),
        &svg::wide_line(&healthy, "%", "No room health yet"),
        true,
    ));

    let rooms = |list: &[RoomReliability], healthy: bool| -> Vec<(String, f64, String)> {
        list.iter()
            .map(|room| {
                let unhealthy = room.days.saturating_sub(room.healthy_days);
                let (value, note) = if healthy {
                    (
                        room.healthy_days as f64,
                        format!("{} of {} days healthy", room.healthy_days, room.days),
                    )
                } else {
                    (
                        unhealthy as f64,
                        format!(
                            "{unhealthy} of {} days unhealthy · {} min affected",
                            room.days,
                            svg::number(room.affected_minutes as f64)
                        ),
                    )
                };
                (room.label.clone(), value, note)
            })
            .collect()
    };
    html.push_str(&card(
        CHARTS[7],
        "Least reliable rooms",
        "the ten rooms with the fewest healthy days, then the most affected minutes",
        &svg::noted_bars(
            &rooms(&r.least_reliable, false),
            colour::BAD,
            "No room health yet",
        ),
        false,
    ));
    html.push_str(&card(
        CHARTS[8],
        "Most reliable rooms",
        "the ten rooms with the most healthy days, then the fewest affected minutes",
        &svg::noted_bars(
            &rooms(&r.most_reliable, true),
            colour::GOOD,
            "No room health yet",
        ),
        false,
    ));

    let weeks: Vec<(String, Vec<f64>)> = r
        .impact
        .iter()
        .map(|w| (w.week.to_string(), vec![w.lost as f64, w.held as f64]))
        .collect();
    html.push_str(&card(
        CHARTS[9],
        "Meetings lost to incidents per week",
        &format!(
            "bookings a critical incident hit, by the week they started: lost (no meeting held) or held anyway; {} lost in all",
            svg::number(r.meetings_lost() as f64)
        ),
        &svg::stacked_columns(
            &weeks,
            &[
                Series::new("lost", colour::BAD),
                Series::new("held anyway", colour::WARN),
            ],
            "No bookings were hit by incidents",
        ),
        false,
    ));

    let models: Vec<(String, f64, String)> = r
        .models
        .iter()
        .filter_map(|m| {
            let mtbf = m.mtbf_hours?;
            let mttr = m.mttr_minutes.map_or_else(
                || "not repaired".to_owned(),
                |v| format!("MTTR {} min", svg::number(v)),
            );
            Some((
                format!("{} · fw {}", m.model_label(), m.firmware),
                mtbf,
                format!(
                    "MTBF {} h · {mttr} · {} {}",
                    svg::number(mtbf),
                    m.failures,
                    if m.failures == 1 {
                        "failure"
                    } else {
                        "failures"
                    }
                ),
            ))
        })
        .take(TOP_FAILURE_MODELS)
        .collect();
    html.push_str(&card(
        CHARTS[10],
        "MTBF and MTTR per model and firmware",
        "operating hours per failure (shortest first) and mean minutes to repair, peripherals that failed",
        &svg::long_noted_bars(&models, colour::MAIN, "No peripheral failures recorded"),
        false,
    ));
}
