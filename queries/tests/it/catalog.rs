//! The catalog registers every table of docs/cli.md, prunes by date, and adds the zone functions.

use crate::fixture::{TestLake, heartbeat};
use datafusion::common::ScalarValue;

#[test]
fn every_name_of_cli_md_plans_on_an_empty_lake() {
    let lake = TestLake::new();
    for name in [
        "heartbeats",
        "peripheral_states",
        "meetings",
        "bookings",
        "updates",
        "enrollments",
        "logs",
        "rooms",
        "incidents",
        "incident_events",
        "dead_letters",
        "maintenance_window_events",
        "maintenance_windows",
        "update_windows",
        "effective_maintenance_windows",
    ] {
        let out = lake.table(&format!("SELECT count(*) AS n FROM {name}"), &[]);
        assert!(out.contains("| 0 "), "{name}: {out}");
    }
}

#[test]
fn telemetry_reads_back_with_its_utc_date_partition() {
    let lake = TestLake::new();
    let rows = lake.ingest(&[
        heartbeat("h1", "2026-11-23T23:59:00Z", "d1", "r1", 100, true),
        heartbeat("h2", "2026-11-24T00:00:00Z", "d1", "r1", 160, true),
        heartbeat("h3", "2026-11-24T00:01:00Z", "d1", "r1", 220, true),
        // a resend of h3 counts once
        heartbeat("h3", "2026-11-24T00:01:00Z", "d1", "r1", 220, true),
    ]);
    assert_eq!(rows, 3);
    let out = lake.table(
        "SELECT date, count(*) AS n FROM heartbeats GROUP BY date ORDER BY date",
        &[],
    );
    assert_eq!(
        out,
        "+------------+---+\n\
         | date       | n |\n\
         +------------+---+\n\
         | 2026-11-23 | 1 |\n\
         | 2026-11-24 | 2 |\n\
         +------------+---+"
    );
    let pruned = lake.table(
        "SELECT count(*) AS n FROM heartbeats WHERE date = $day",
        &[("day", ScalarValue::Date32(Some(20_781)))], // 2026-11-24
    );
    assert!(pruned.contains("| 2 "), "{pruned}");
}

#[test]
fn local_dates_and_wall_clocks_follow_each_rows_zone() {
    let lake = TestLake::new();
    lake.ingest(&[
        heartbeat("a", "2026-11-24T23:30:00Z", "d1", "r1", 1, true),
        heartbeat("b", "2026-11-24T23:30:00Z", "d2", "r2", 1, true),
    ]);
    let out = lake.table(
        "SELECT device_id, local_date(ts, tz) AS day, local_ts(ts, tz) AS wall, \
                utc_from_local(local_ts(ts, tz), tz) = ts AS round_trip \
         FROM heartbeats JOIN (VALUES ('d1', 'Europe/Berlin'), ('d2', 'America/New_York')) AS z(dev, tz) \
           ON device_id = dev ORDER BY device_id",
        &[],
    );
    assert_eq!(
        out,
        "+-----------+------------+---------------------+------------+\n\
         | device_id | day        | wall                | round_trip |\n\
         +-----------+------------+---------------------+------------+\n\
         | d1        | 2026-11-25 | 2026-11-25T00:30:00 | true       |\n\
         | d2        | 2026-11-24 | 2026-11-24T18:30:00 | true       |\n\
         +-----------+------------+---------------------+------------+"
    );
}

#[test]
fn incidents_shows_the_latest_event_of_each_incident() {
    let lake = TestLake::new();
    write_incident_events(
        &lake,
        1,
        &[("i1", 1, "opened", "open"), ("i2", 1, "opened", "open")],
    );
    write_incident_events(
        &lake,
        2,
        &[
            ("i1", 2, "resolved", "resolved"),
            ("i1", 3, "reopened", "open"),
            ("i2", 2, "resolved", "resolved"),
        ],
    );
    let out = lake.table(
        "SELECT incident_id, seq, event, state FROM incidents ORDER BY incident_id",
        &[],
    );
    assert_eq!(
        out,
        "+-------------+-----+----------+----------+\n\
         | incident_id | seq | event    | state    |\n\
         +-------------+-----+----------+----------+\n\
         | i1          | 3   | reopened | open     |\n\
         | i2          | 2   | resolved | resolved |\n\
         +-------------+-----+----------+----------+"
    );
}

/// Writes one batch file of incident events `(incident_id, seq, event, state)`.
fn write_incident_events(lake: &TestLake, batch: u64, events: &[(&str, i64, &str, &str)]) {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray, TimestampMicrosecondArray};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;
    use roomsight_queries::tables::{INCIDENT_EVENTS_DIR, incident_events_schema};

    let schema = incident_events_schema();
    let n = events.len();
    let text = |v: &str| Arc::new(StringArray::from(vec![v; n])) as ArrayRef;
    let ts =
        Arc::new(TimestampMicrosecondArray::from(vec![0_i64; n]).with_timezone("UTC")) as ArrayRef;
    let no_ts = Arc::new(TimestampMicrosecondArray::from(vec![None::<i64>; n]).with_timezone("UTC"))
        as ArrayRef;
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            "incident_id" => {
                Arc::new(StringArray::from_iter_values(events.iter().map(|e| e.0))) as ArrayRef
            }
            "seq" => Arc::new(Int64Array::from_iter_values(events.iter().map(|e| e.1))),
            "event" => Arc::new(StringArray::from_iter_values(events.iter().map(|e| e.2))),
            "state" => Arc::new(StringArray::from_iter_values(events.iter().map(|e| e.3))),
            "peripheral_id" => Arc::new(StringArray::from(vec![None::<&str>; n])),
            "resolved_at" | "closed_at" => Arc::clone(&no_ts),
            name if name.ends_with("_at") => Arc::clone(&ts),
            "details" => text("{}"),
            _ => text("x"),
        })
        .collect();
    let batch_rows = RecordBatch::try_new(Arc::clone(&schema), columns).unwrap();
    let dir = lake.dir.path().join(INCIDENT_EVENTS_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    let file = std::fs::File::create(dir.join(format!("{batch:020}.parquet"))).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema, None).unwrap();
    writer.write(&batch_rows).unwrap();
    writer.close().unwrap();
}
