//! Filling the dashboard from the catalog.
//!
//! The period is the lake's heartbeats, oldest to newest; snapshots are taken as of the newest
//! heartbeat (so a lake of last month's telemetry shows last month's health, not "all
//! offline"). Each chart runs the report of docs/reports.md that defines its numbers, through the
//! report registry, and falls back to a small query of its own (`roomsight_queries::sql::dashboard`, each stating what
//! it computes) when that report is not registered. A chart whose query fails is drawn empty and
//! the failure is logged and named in the page's footer: one broken report does not hide the
//! other five charts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, Timelike, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Float64Type, TimeUnit, TimestampMicrosecondType,
};
use datafusion::common::ScalarValue;
use roomsight_queries::Catalog;
use roomsight_queries::reports::{self, BusinessHours, ReportParams, Window};
use roomsight_queries::sql::dashboard;
use tracing::warn;

use super::error::{DashboardError, Result};
use super::model::{
    Dashboard, Headline, HealthDay, ImpactWeek, IncidentDay, ModelFailures, ModelReliability,
    ReleaseVerdict, Reliability, RingCompliance, RoomReliability, SiteHealth,
};

const OVERVIEW: &str = dashboard::OVERVIEW;
const MEETINGS_LOCAL: &str = dashboard::MEETINGS_LOCAL;
const INCIDENTS_DAILY: &str = dashboard::INCIDENTS_DAILY;
const PERIPHERAL_MODELS: &str = dashboard::PERIPHERAL_MODELS;
const UPDATE_RINGS: &str = dashboard::UPDATE_RINGS;
const HEALTH_FALLBACK: &str = dashboard::HEALTH_FALLBACK;

/// Models with fewer peripheral-days than this are left off the reliability chart (noise).
const MIN_PERIPHERAL_DAYS: f64 = 3.0;
/// Bars on the reliability chart.
const TOP_MODELS: usize = 10;
/// Rooms on each of the least and most reliable lists.
const TOP_ROOMS: usize = 10;
/// Days of room health, meeting impact and failure statistics on the page, at most.
pub const RELIABILITY_DAYS: u64 = 90;

/// Rows of one query, read by column name.
struct Rows(Vec<RecordBatch>);

impl Rows {
    fn column(&self, name: &str, to: &DataType) -> Result<Vec<std::sync::Arc<dyn Array>>> {
        self.0
            .iter()
            .map(|batch| {
                let column = batch
                    .column_by_name(name)
                    .ok_or_else(|| DashboardError::Column {
                        column: name.to_owned(),
                    })?;
                cast(column, to).map_err(|source| DashboardError::Cast {
                    column: name.to_owned(),
                    source,
                })
            })
            .collect()
    }

    fn strings(&self, name: &str) -> Result<Vec<Option<String>>> {
        Ok(self
            .column(name, &DataType::Utf8)?
            .iter()
            .flat_map(|a| {
                let a = a.as_string::<i32>();
                (0..a.len())
                    .map(|i| a.is_valid(i).then(|| a.value(i).to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect())
    }

    fn floats(&self, name: &str) -> Result<Vec<Option<f64>>> {
        Ok(self
            .column(name, &DataType::Float64)?
            .iter()
            .flat_map(|a| {
                let a = a.as_primitive::<Float64Type>();
                (0..a.len())
                    .map(|i| a.is_valid(i).then(|| a.value(i)))
                    .collect::<Vec<_>>()
            })
            .collect())
    }

    fn dates(&self, name: &str) -> Result<Vec<Option<NaiveDate>>> {
        Ok(self
            .column(name, &DataType::Date32)?
            .iter()
            .flat_map(|a| {
                let a = a.as_primitive::<Date32Type>();
                (0..a.len())
                    .map(|i| a.is_valid(i).then(|| a.value_as_date(i)).flatten())
                    .collect::<Vec<_>>()
            })
            .collect())
    }

    fn timestamps(&self, name: &str) -> Result<Vec<Option<NaiveDateTime>>> {
        let to = DataType::Timestamp(TimeUnit::Microsecond, None);
        Ok(self
            .column(name, &to)?
            .iter()
            .flat_map(|a| {
                let a = a.as_primitive::<TimestampMicrosecondType>();
                (0..a.len())
                    .map(|i| a.is_valid(i).then(|| a.value_as_datetime(i)).flatten())
                    .collect::<Vec<_>>()
            })
            .collect())
    }
}

async fn run(
    catalog: &Catalog,
    what: &str,
    sql: &str,
    params: &[(&str, ScalarValue)],
) -> Result<Rows> {
    let df = catalog
        .query(sql, params)
        .await
        .map_err(|source| DashboardError::Query {
            what: what.to_owned(),
            source: Box::new(source),
        })?;
    df.collect()
        .await
        .map(Rows)
        .map_err(|source| DashboardError::Collect {
            what: what.to_owned(),
            source: Box::new(source),
        })
}

/// Runs report `name` over `window` with the deployment's business hours if the registry has it.
async fn report(
    catalog: &Catalog,
    name: &str,
    window: Window,
    hours: BusinessHours,
) -> Result<Option<Rows>> {
    let Some(report) = reports::find(name) else {
        return Ok(None);
    };
    let params = report
        .bind(&ReportParams {
            window,
            business_hours: hours,
        })
        .map_err(|e| DashboardError::Internal {
            what: format!("binding the report {name}: {e}"),
        })?;
    run(catalog, name, report.sql, &params).await.map(Some)
}

fn as_of_param(at: DateTime<Utc>) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(at.timestamp_micros()), Some("UTC".into()))
}

/// The period and moment the charts are drawn for.
#[derive(Clone, Copy, Debug)]
struct Period {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
}

impl Period {
    fn range(self) -> Window {
        Window::Range {
            from: self.first.date_naive(),
            to: self.last.date_naive(),
        }
    }

    /// The last (up to) [`RELIABILITY_DAYS`] dates of the period.
    fn recent(self) -> (NaiveDate, NaiveDate) {
        let to = self.last.date_naive();
        let from = to
            .checked_sub_days(Days::new(RELIABILITY_DAYS - 1))
            .unwrap_or(to)
            .max(self.first.date_naive());
        (from, to)
    }

    fn dates(self) -> Vec<NaiveDate> {
        let to = self.last.date_naive();
        self.first
            .date_naive()
            .iter_days()
            .take_while(|d| *d <= to)
            .collect()
    }
}

/// Takes a chart's data, noting its source; a chart that failed is logged, named in the
/// sources and drawn empty.
fn settle<T: Default>(sources: &mut Vec<String>, chart: &str, result: Result<(T, String)>) -> T {
    match result {
        Ok((value, source)) => {
            sources.push(format!("{chart}: {source}"));
            value
        }
        Err(e) => {
            warn!(chart, error = %e, "a dashboard chart could not be computed");
            sources.push(format!("{chart}: failed ({e})"));
            T::default()
        }
    }
}

/// Reads everything the page shows; the reports it runs use the deployment's business `hours`,
/// which the utilization chart also names.
pub async fn load(catalog: &Catalog, hours: BusinessHours) -> Result<Dashboard> {
    let overview = run(catalog, "overview", OVERVIEW, &[]).await?;
    let first = overview.timestamps("first_ts")?.first().copied().flatten();
    let last = overview.timestamps("last_ts")?.first().copied().flatten();
    let count = |v: Vec<Option<f64>>| v.first().copied().flatten().unwrap_or(0.0) as u64;
    let mut d = Dashboard {
        lake: catalog.lake().url().to_owned(),
        generated_at: Utc::now(),
        headline: Headline {
            rooms: count(overview.floats("rooms")?),
            sites: count(overview.floats("sites")?),
            ..Headline::default()
        },
        ..Dashboard::default()
    };
    let period = match (first, last) {
        (Some(first), Some(last)) => Period {
            first: first.and_utc(),
            last: last.and_utc(),
        },
        _ => {
            d.sources.push("the lake holds no heartbeats yet".into());
            return Ok(d);
        }
    };
    d.headline.period = Some((period.first.date_naive(), period.last.date_naive()));
    d.health_as_of = Some(period.last);

    let sources = &mut d.sources;
    d.health = settle(
        sources,
        "health",
        health_by_site(catalog, period, hours).await,
    );
    d.utilization = settle(
        sources,
        "utilization",
        utilization_heatmap(catalog, period, d.headline.rooms, hours).await,
    );
    let (minutes, meetings) = settle(
        sources,
        "meeting minutes",
        meeting_minutes(catalog, period, hours).await,
    );
    d.meeting_minutes = minutes;
    d.headline.meetings = meetings;
    d.peripheral_models = settle(
        sources,
        "peripheral models",
        peripheral_models(catalog, period, hours).await,
    );
    let (incidents, open) = settle(sources, "incidents", incidents_trend(catalog, period).await);
    d.incidents = incidents;
    d.headline.open_incidents = open;
    d.compliance = settle(
        sources,
        "update compliance",
        update_compliance(catalog, period, hours).await,
    );
    let (from, to) = period.recent();
    let r = &mut d.reliability;
    r.range = Some((from, to));
    r.health = settle(
        sources,
        "room health",
        health_days(catalog, from, to, hours)
            .await
            .map(|v| (v, "report room_health_summary".into())),
    );
    (r.least_reliable, r.most_reliable) = settle(
        sources,
        "room reliability",
        room_ranking(catalog, from, to, hours)
            .await
            .map(|v| (v, "report room_health_daily".into())),
    );
    r.impact = settle(
        sources,
        "meetings lost",
        impact_weeks(catalog, from, to, hours)
            .await
            .map(|v| (v, "report meeting_impact".into())),
    );
    r.models = settle(
        sources,
        "MTBF and MTTR",
        model_failures(catalog, from, to, hours)
            .await
            .map(|v| (v, "report failure_stats".into())),
    );
    d.releases = settle(
        sources,
        "release verdicts",
        release_verdicts(catalog, period).await,
    );
    Ok(d)
}

/// Runs a range report the registry must have.
async fn range_report(
    catalog: &Catalog,
    name: &str,
    from: NaiveDate,
    to: NaiveDate,
    hours: BusinessHours,
) -> Result<Rows> {
    report(catalog, name, Window::Range { from, to }, hours)
        .await?
        .ok_or_else(|| DashboardError::Internal {
            what: format!("the report registry has no {name}"),
        })
}

/// Room health, meetings lost and failure statistics over the local dates `from..=to`, every
/// part from its report of docs/reports.md; fails on the first part that fails.
pub async fn reliability(
    catalog: &Catalog,
    from: NaiveDate,
    to: NaiveDate,
    hours: BusinessHours,
) -> Result<Reliability> {
    let (least_reliable, most_reliable) = room_ranking(catalog, from, to, hours).await?;
    Ok(Reliability {
        range: Some((from, to)),
        health: health_days(catalog, from, to, hours).await?,
        least_reliable,
        most_reliable,
        impact: impact_weeks(catalog, from, to, hours).await?,
        models: model_failures(catalog, from, to, hours).await?,
    })
}

/// Healthy rooms per local date (`room_health_summary`).
pub async fn health_days(
    catalog: &Catalog,
    from: NaiveDate,
    to: NaiveDate,
    hours: BusinessHours,
) -> Result<Vec<HealthDay>> {
    let rows = range_report(catalog, "room_health_summary", from, to, hours).await?;
    let dates = rows.dates("date")?;
    let rooms = rows.floats("rooms")?;
    let healthy = rows.floats("healthy_rooms")?;
    let pct = rows.floats("healthy_pct")?;
    let mut days: Vec<HealthDay> = dates
        .into_iter()
        .enumerate()
        .filter_map(|(i, date)| {
            let value = |v: &[Option<f64>]| v.get(i).copied().flatten().unwrap_or(0.0);
            Some(HealthDay {
                date: date?,
                rooms: value(&rooms) as u64,
                healthy_rooms: value(&healthy) as u64,
                healthy_pct: value(&pct),
            })
        })
        .collect();
    days.sort_by_key(|d| d.date);
    Ok(days)
}

/// The least and most reliable rooms by healthy days (`room_health_daily`), labelled from the
/// directory.
pub async fn room_ranking(
    catalog: &Catalog,
    from: NaiveDate,
    to: NaiveDate,
    hours: BusinessHours,
) -> Result<(Vec<RoomReliability>, Vec<RoomReliability>)> {
    let directory = run(
        catalog,
        "room names",
        "SELECT room_id, name, site FROM rooms",
        &[],
    )
    .await?;
    let labels: HashMap<String, String> = directory
        .strings("room_id")?
        .into_iter()
        .zip(directory.strings("name")?)
        .zip(directory.strings("site")?)
        .filter_map(|((id, name), site)| {
            let id = id?;
            let label = match (name, site) {
                (Some(name), Some(site)) => format!("{name} · {site}"),
                (Some(name), None) => name,
                _ => id.clone(),
            };
            Some((id, label))
        })
        .collect();
    let rows = range_report(catalog, "room_health_daily", from, to, hours).await?;
    let ids = rows.strings("room_id")?;
    let healthy = rows.floats("healthy")?;
    let affected = rows.floats("affected_minutes")?;
    let mut by_room: BTreeMap<String, RoomReliability> = BTreeMap::new();
    for (i, id) in ids.into_iter().enumerate() {
        let Some(id) = id else { continue };
        let room = by_room
            .entry(id.clone())
            .or_insert_with(|| RoomReliability {
                label: labels.get(&id).cloned().unwrap_or(id),
                ..RoomReliability::default()
            });
        room.days += 1;
        if healthy.get(i).copied().flatten().unwrap_or(0.0) > 0.0 {
            room.healthy_days += 1;
        }
        room.affected_minutes += affected.get(i).copied().flatten().unwrap_or(0.0) as u64;
    }
    let mut least: Vec<RoomReliability> = by_room.into_values().collect();
    let mut most = least.clone();
    least.sort_by(|a, b| {
        a.healthy_days
            .cmp(&b.healthy_days)
            .then(b.affected_minutes.cmp(&a.affected_minutes))
            .then_with(|| a.label.cmp(&b.label))
    });
    most.sort_by(|a, b| {
        b.healthy_days
            .cmp(&a.healthy_days)
            .then(a.affected_minutes.cmp(&b.affected_minutes))
            .then_with(|| a.label.cmp(&b.label))
    });
    least.truncate(TOP_ROOMS);
    most.truncate(TOP_ROOMS);
    Ok((least, most))
}

/// Bookings hit by critical incidents per week, lost or held (`meeting_impact`); every week of
/// the range has an entry.
pub async fn impact_weeks(
    catalog: &Catalog,
    from: NaiveDate,
    to: NaiveDate,
    hours: BusinessHours,
) -> Result<Vec<ImpactWeek>> {
    let monday = |d: NaiveDate| {
        d.checked_sub_days(Days::new(u64::from(d.weekday().num_days_from_monday())))
            .unwrap_or(d)
    };
    let mut weeks: BTreeMap<NaiveDate, ImpactWeek> = BTreeMap::new();
    let mut week = monday(from);
    while week <= to {
        weeks.insert(
            week,
            ImpactWeek {
                week,
                ..ImpactWeek::default()
            },
        );
        week = week
            .checked_add_days(Days::new(7))
            .unwrap_or(NaiveDate::MAX);
    }
    let rows = range_report(catalog, "meeting_impact", from, to, hours).await?;
    let dates = rows.dates("date")?;
    let held = rows.floats("held")?;
    for (i, date) in dates.into_iter().enumerate() {
        let Some(date) = date else { continue };
        let week = monday(date);
        let entry = weeks.entry(week).or_insert_with(|| ImpactWeek {
            week,
            ..ImpactWeek::default()
        });
        if held.get(i).copied().flatten().unwrap_or(0.0) > 0.0 {
            entry.held += 1;
        } else {
            entry.lost += 1;
        }
    }
    Ok(weeks.into_values().collect())
}

/// Failure statistics per kind, make, model and firmware (`failure_stats`), lowest MTBF first.
pub async fn model_failures(
    catalog: &Catalog,
    from: NaiveDate,
    to: NaiveDate,
    hours: BusinessHours,
) -> Result<Vec<ModelFailures>> {
    let rows = range_report(catalog, "failure_stats", from, to, hours).await?;
    let kinds = rows.strings("kind")?;
    let makes = rows.strings("make")?;
    let models = rows.strings("model")?;
    let firmwares = rows.strings("firmware")?;
    let hours = rows.floats("operating_hours")?;
    let failures = rows.floats("failures")?;
    let mtbf = rows.floats("mtbf_hours")?;
    let mttr = rows.floats("mttr_minutes")?;
    let mut out: Vec<ModelFailures> = (0..kinds.len())
        .map(|i| {
            let text = |v: &[Option<String>]| v.get(i).cloned().flatten().unwrap_or_default();
            let value = |v: &[Option<f64>]| v.get(i).copied().flatten();
            ModelFailures {
                kind: text(&kinds),
                make: text(&makes),
                model: text(&models),
                firmware: text(&firmwares),
                operating_hours: value(&hours).unwrap_or(0.0),
                failures: value(&failures).unwrap_or(0.0) as u64,
                mtbf_hours: value(&mtbf),
                mttr_minutes: value(&mttr),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |m: &ModelFailures| m.mtbf_hours.unwrap_or(f64::INFINITY);
        key(a).total_cmp(&key(b)).then_with(|| {
            (&a.kind, &a.make, &a.model, &a.firmware).cmp(&(
                &b.kind,
                &b.make,
                &b.model,
                &b.firmware,
            ))
        })
    });
    Ok(out)
}

async fn health_by_site(
    catalog: &Catalog,
    period: Period,
    hours: BusinessHours,
) -> Result<(Vec<SiteHealth>, String)> {
    let (rows, source) = match report(
        catalog,
        "health_overview_summary",
        Window::AsOf(period.last),
        hours,
    )
    .await?
    {
        Some(rows) => (rows, "report health_overview_summary"),
        None => (
            run(
                catalog,
                "health",
                HEALTH_FALLBACK,
                &[("as_of", as_of_param(period.last))],
            )
            .await?,
            "telemetry rules of health_overview (health_overview_summary not available)",
        ),
    };
    let sites = rows.strings("site")?;
    let statuses = rows.strings("status")?;
    let counts = rows.floats("rooms")?;
    let mut by_site: BTreeMap<String, SiteHealth> = BTreeMap::new();
    for ((site, status), n) in sites.into_iter().zip(statuses).zip(counts) {
        let site = site.unwrap_or_else(|| "(unknown site)".to_owned());
        let entry = by_site.entry(site.clone()).or_insert_with(|| SiteHealth {
            site,
            ..SiteHealth::default()
        });
        let n = n.unwrap_or(0.0) as u64;
        match status.as_deref() {
            Some("healthy") => entry.healthy += n,
            Some("warning") => entry.warning += n,
            Some("critical") => entry.critical += n,
            _ => entry.offline += n,
        }
    }
    Ok((by_site.into_values().collect(), source.to_owned()))
}

/// Minutes of each (weekday, hour) covered by a room's meetings, overlaps counted once.
pub fn occupied_minutes(meetings: &mut [(NaiveDateTime, NaiveDateTime)]) -> [[f64; 24]; 7] {
    let mut minutes = [[0.0; 24]; 7];
    meetings.sort();
    let mut merged: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::new();
    for &(start, end) in meetings.iter() {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    for (start, end) in merged {
        let mut cursor = start;
        while cursor < end {
            let hour_start = cursor
                .with_minute(0)
                .and_then(|t| t.with_second(0))
                .and_then(|t| t.with_nanosecond(0))
                .unwrap_or(cursor);
            let next_hour = hour_start + chrono::Duration::hours(1);
            let upto = end.min(next_hour);
            let weekday = cursor.weekday().num_days_from_monday() as usize;
            minutes[weekday][cursor.hour() as usize] +=
                (upto - cursor).num_milliseconds() as f64 / 60_000.0;
            cursor = upto;
        }
    }
    minutes
}

async fn utilization_heatmap(
    catalog: &Catalog,
    period: Period,
    rooms: u64,
    hours: BusinessHours,
) -> Result<(Vec<Vec<Option<f64>>>, String)> {
    let rows = run(catalog, "utilization", MEETINGS_LOCAL, &[]).await?;
    let ids = rows.strings("room_id")?;
    let starts = rows.timestamps("local_start")?;
    let ends = rows.timestamps("local_end")?;
    let dates = period.dates();
    let (Some(&first), Some(&last)) = (dates.first(), dates.last()) else {
        return Ok((Vec::new(), "no dates".into()));
    };
    let lo = first.and_hms_opt(0, 0, 0).unwrap_or_default();
    let hi = last
        .checked_add_days(Days::new(1))
        .unwrap_or(last)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let mut per_room: HashMap<String, Vec<(NaiveDateTime, NaiveDateTime)>> = HashMap::new();
    for ((id, start), end) in ids.into_iter().zip(starts).zip(ends) {
        if let (Some(id), Some(start), Some(end)) = (id, start, end) {
            let (start, end) = (start.max(lo), end.min(hi));
            if start < end {
                per_room.entry(id).or_default().push((start, end));
            }
        }
    }
    let mut total = [[0.0; 24]; 7];
    for meetings in per_room.values_mut() {
        let room = occupied_minutes(meetings);
        for (t, r) in total.iter_mut().zip(room) {
            for (a, b) in t.iter_mut().zip(r) {
                *a += b;
            }
        }
    }
    let mut days_per_weekday = [0u32; 7];
    for date in &dates {
        days_per_weekday[date.weekday().num_days_from_monday() as usize] += 1;
    }
    let rooms = rooms.max(per_room.len() as u64).max(1) as f64;
    let heat = total
        .iter()
        .zip(days_per_weekday)
        .map(|(hours, days)| {
            hours
                .iter()
                .map(|m| (days > 0).then(|| 100.0 * m / (rooms * f64::from(days) * 60.0)))
                .collect()
        })
        .collect();
    let hhmm = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
    Ok((
        heat,
        format!(
            "meetings, room-local time; business hours {}–{} Monday–Friday",
            hhmm(hours.start_minute),
            hhmm(hours.end_minute)
        ),
    ))
}

async fn meeting_minutes(
    catalog: &Catalog,
    period: Period,
    hours: BusinessHours,
) -> Result<((Vec<(NaiveDate, f64)>, u64), String)> {
    let mut meetings = 0;
    let Some(rows) = report(catalog, "usage_daily", period.range(), hours).await? else {
        return Err(DashboardError::Internal {
            what: "the report registry has no usage_daily".into(),
        });
    };
    let mut by_date: BTreeMap<NaiveDate, f64> =
        period.dates().into_iter().map(|d| (d, 0.0)).collect();
    let dates = rows.dates("date")?;
    let minutes = rows.floats("meeting_minutes")?;
    let counts = rows.floats("meetings")?;
    for ((date, m), n) in dates.into_iter().zip(minutes).zip(counts) {
        if let Some(date) = date {
            *by_date.entry(date).or_default() += m.unwrap_or(0.0);
        }
        meetings += n.unwrap_or(0.0) as u64;
    }
    Ok((
        (by_date.into_iter().collect(), meetings),
        "report usage_daily".into(),
    ))
}

async fn peripheral_models(
    catalog: &Catalog,
    period: Period,
    hours: BusinessHours,
) -> Result<(Vec<ModelReliability>, String)> {
    let (rows, source) =
        match report(catalog, "peripheral_reliability", period.range(), hours).await? {
            Some(rows) => (rows, "report peripheral_reliability"),
            None => (
                run(catalog, "peripheral models", PERIPHERAL_MODELS, &[]).await?,
                "disconnects per UTC peripheral-day (peripheral_reliability not available)",
            ),
        };
    let kinds = rows.strings("kind")?;
    let makes = rows.strings("make")?;
    let models = rows.strings("model")?;
    let days = rows.floats("peripheral_days")?;
    let disconnects = rows.floats("disconnects")?;
    let mut by_model: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        let text = |v: &[Option<String>]| v.get(i).cloned().flatten().unwrap_or_default();
        let label = format!(
            "{} · {} {}",
            kind.unwrap_or_default(),
            text(&makes),
            text(&models)
        );
        let entry = by_model.entry(label).or_default();
        entry.0 += days.get(i).copied().flatten().unwrap_or(0.0);
        entry.1 += disconnects.get(i).copied().flatten().unwrap_or(0.0);
    }
    let mut ranked: Vec<ModelReliability> = by_model
        .into_iter()
        .filter(|(_, (days, _))| *days >= MIN_PERIPHERAL_DAYS)
        .map(|(label, (days, disconnects))| ModelReliability {
            label,
            disconnects_per_100_days: 100.0 * disconnects / days,
            peripheral_days: days as u64,
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.disconnects_per_100_days
            .total_cmp(&a.disconnects_per_100_days)
            .then_with(|| a.label.cmp(&b.label))
    });
    ranked.truncate(TOP_MODELS);
    Ok((ranked, source.into()))
}

async fn incidents_trend(
    catalog: &Catalog,
    period: Period,
) -> Result<((Vec<IncidentDay>, u64), String)> {
    let mut open = 0;
    let rows = run(catalog, "incidents", INCIDENTS_DAILY, &[]).await?;
    let mut by_date: BTreeMap<NaiveDate, IncidentDay> = period
        .dates()
        .into_iter()
        .map(|date| {
            (
                date,
                IncidentDay {
                    date,
                    ..IncidentDay::default()
                },
            )
        })
        .collect();
    let dates = rows.dates("opened_date")?;
    let severities = rows.strings("severity")?;
    let opened = rows.floats("opened")?;
    let still_open = rows.floats("still_open")?;
    for (i, date) in dates.into_iter().enumerate() {
        let n = opened.get(i).copied().flatten().unwrap_or(0.0) as u64;
        open += still_open.get(i).copied().flatten().unwrap_or(0.0) as u64;
        let Some(date) = date else { continue };
        let day = by_date.entry(date).or_insert_with(|| IncidentDay {
            date,
            ..IncidentDay::default()
        });
        match severities.get(i).cloned().flatten().as_deref() {
            Some("critical") => day.critical += n,
            _ => day.warning += n,
        }
    }
    let days = by_date.into_values().collect();
    Ok(((days, open), "incidents (current state of each)".into()))
}

async fn update_compliance(
    catalog: &Catalog,
    period: Period,
    hours: BusinessHours,
) -> Result<(Vec<RingCompliance>, String)> {
    let (rows, source) = match report(
        catalog,
        "update_compliance",
        Window::AsOf(period.last),
        hours,
    )
    .await?
    {
        Some(rows) => (rows, "report update_compliance"),
        None => (
            run(catalog, "update compliance", UPDATE_RINGS, &[]).await?,
            "latest update per target succeeded (update_compliance not available)",
        ),
    };
    let rings = rows.strings("ring")?;
    let targets = rows.floats("targets")?;
    let on_target = rows.floats("on_target")?;
    let mut by_ring: BTreeMap<String, RingCompliance> = BTreeMap::new();
    for (i, ring) in rings.into_iter().enumerate() {
        let ring = ring.unwrap_or_else(|| "(no ring)".to_owned());
        let entry = by_ring
            .entry(ring.clone())
            .or_insert_with(|| RingCompliance {
                ring,
                ..RingCompliance::default()
            });
        entry.targets += targets.get(i).copied().flatten().unwrap_or(0.0) as u64;
        entry.on_target += on_target.get(i).copied().flatten().unwrap_or(0.0) as u64;
    }
    Ok((by_ring.into_values().collect(), source.into()))
}

/// `1.20 vs 0.85 · ratio 1.41 · p 0.214`: the rates per 100 device-days after the update and in
/// the control, their ratio and the p-value, `-` where a value is undefined (no device-days).
fn short_evidence(r: &crate::gate::ImpactRow) -> String {
    let num = |v: f64, digits: usize| {
        if v.is_finite() {
            format!("{v:.digits$}")
        } else {
            "-".to_owned()
        }
    };
    let p = if r.p_value.is_finite() && r.p_value < 0.001 {
        format!("{:.1e}", r.p_value)
    } else {
        num(r.p_value, 3)
    };
    format!(
        "{} vs {} · ratio {} · p {p}",
        num(r.rate_after, 2),
        num(r.rate_control, 2),
        num(r.rate_ratio, 2)
    )
}

/// Per ring and component, the newest version (version order) its targets took, with the
/// update gate's verdict as of the period's end.
async fn release_verdicts(
    catalog: &Catalog,
    period: Period,
) -> Result<(Vec<ReleaseVerdict>, String)> {
    use roomsight_queries::functions::version_key;
    let rows = crate::gate::impact(catalog, period.last)
        .await
        .map_err(|e| DashboardError::Gate {
            reason: e.to_string(),
        })?;
    let mut newest: BTreeMap<(String, String), &crate::gate::ImpactRow> = BTreeMap::new();
    for r in &rows {
        let ring = r.ring.clone().unwrap_or_else(|| "(no ring)".to_owned());
        let slot = newest.entry((ring, r.component.clone())).or_insert(r);
        if version_key(&r.to_version) > version_key(&slot.to_version) {
            *slot = r;
        }
    }
    let out = newest
        .into_iter()
        .map(|((ring, component), r)| ReleaseVerdict {
            ring,
            component,
            version: r.to_version.clone(),
            targets: u64::try_from(r.targets).unwrap_or(0),
            evidence: short_evidence(r),
            verdict: r.verdict.as_str().to_owned(),
            why: r.why(),
        })
        .collect();
    Ok((out, "report update_impact".into()))
}
