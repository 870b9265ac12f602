//! Tests of the lake's rows and their encoding, over events validated from real wire messages.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_select::concat::concat_batches;
use parquet::basic::Compression;
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::{ReadOptionsBuilder, SerializedFileReader};

use super::*;
use crate::event::Event;
use crate::lake::rows::{DeadLetter, DeadLetterRows, Origin, TableRows};
use crate::reason::Reason;
use crate::timestamp::Timestamp;

const KAFKA: Origin<'static> = Origin::Kafka {
    topic: "room-telemetry",
    partition: 3,
    offset: 1041,
};

const FILE: Origin<'static> = Origin::File {
    path: "backfill.ndjson",
    line: 7,
};

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn now() -> Timestamp {
    t("2026-11-26T12:00:00Z")
}

fn event(json: &str) -> Event<'_> {
    crate::validate(json.as_bytes(), now()).unwrap()
}

/// A valid message of `type` with the envelope given and the body fields `body` (JSON members).
fn message(kind: &str, id: &str, ts: &str, device: &str, room: &str, body: &str) -> String {
    format!(
        r#"{{"schema":"roomsight.telemetry/v1","type":"{kind}","event_id":"{id}","ts":"{ts}","device_id":"{device}","room_id":"{room}",{body}}}"#
    )
}

const HEARTBEAT: &str = r#""platform":"windows","app_version":"5.2.115","os_version":"10.0.22631","teams_signed_in":true,"exchange_signed_in":false,"cpu_pct":12.5,"mem_pct":40,"uptime_s":3600"#;

fn heartbeat(id: &str, ts: &str, device: &str, room: &str) -> String {
    message("heartbeat", id, ts, device, room, HEARTBEAT)
}

fn finish_one(table: Table, json: &str, redactions: u32, origin: &Origin<'_>) -> RecordBatch {
    let mut rows = TableRows::new(table);
    rows.push(&event(json), redactions, origin, now());
    let batch = rows.finish().unwrap();
    assert_eq!(batch.schema(), table.schema());
    batch
}

fn strs(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let a = batch.column_by_name(name).unwrap().as_string::<i32>();
    a.iter().map(|v| v.map(str::to_owned)).collect()
}

fn str0(batch: &RecordBatch, name: &str) -> String {
    strs(batch, name)[0].clone().unwrap()
}

fn f64s(batch: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    let a = batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>();
    a.iter().collect()
}

fn i64s(batch: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    let a = batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Int64Type>();
    a.iter().collect()
}

fn i32s(batch: &RecordBatch, name: &str) -> Vec<Option<i32>> {
    let a = batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Int32Type>();
    a.iter().collect()
}

fn micros(batch: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    let a = batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>();
    a.iter().collect()
}

fn bools(batch: &RecordBatch, name: &str) -> Vec<Option<bool>> {
    batch
        .column_by_name(name)
        .unwrap()
        .as_boolean()
        .iter()
        .collect()
}

fn assert_kafka_lineage(batch: &RecordBatch) {
    assert_eq!(str0(batch, "kafka_topic"), "room-telemetry");
    assert_eq!(i32s(batch, "kafka_partition"), [Some(3)]);
    assert_eq!(i64s(batch, "kafka_offset"), [Some(1041)]);
    assert_eq!(micros(batch, "ingest_ts"), [Some(now().micros())]);
}

#[test]
fn heartbeat_row_has_envelope_body_and_kafka_lineage() {
    let json = heartbeat("hb-1", "2026-11-24T09:15:00.250+01:00", "dev-1", "room-1");
    let batch = finish_one(Table::Heartbeats, &json, 0, &KAFKA);
    assert_eq!(str0(&batch, "event_id"), "hb-1");
    assert_eq!(
        micros(&batch, "ts"),
        [Some(t("2026-11-24T08:15:00.250Z").micros())]
    );
    assert_eq!(str0(&batch, "device_id"), "dev-1");
    assert_eq!(str0(&batch, "room_id"), "room-1");
    assert_eq!(str0(&batch, "platform"), "windows");
    assert_eq!(str0(&batch, "app_version"), "5.2.115");
    assert_eq!(str0(&batch, "os_version"), "10.0.22631");
    assert_eq!(bools(&batch, "teams_signed_in"), [Some(true)]);
    assert_eq!(bools(&batch, "exchange_signed_in"), [Some(false)]);
    assert_eq!(f64s(&batch, "cpu_pct"), [Some(12.5)]);
    assert_eq!(f64s(&batch, "mem_pct"), [Some(40.0)]);
    assert_eq!(f64s(&batch, "temp_c"), [None]);
    assert_eq!(i64s(&batch, "uptime_s"), [Some(3600)]);
    assert_kafka_lineage(&batch);
}

#[test]
fn peripheral_metrics_go_to_their_columns_and_the_rest_to_other_metrics() {
    let with = message(
        "peripheral",
        "p-1",
        "2026-11-24T09:15:00Z",
        "dev-1",
        "room-1",
        r#""peripheral_id":"cam-1","kind":"room_camera","make":"Logitech","model":"Rally Bar","firmware":"1.4.2","serial":"SN-1","connection":"connected","optional":false,"error_count":2,"metrics":{"fps":29.5,"lens_temp_c":41.5,"snr_db":-3}"#,
    );
    let without = message(
        "peripheral",
        "p-2",
        "2026-11-24T09:20:00Z",
        "dev-1",
        "room-1",
        r#""peripheral_id":"mic-1","kind":"microphone","make":"Shure","model":"MXA920","firmware":"2.0","connection":"disconnected","optional":true,"error_count":0"#,
    );
    let mut rows = TableRows::new(Table::PeripheralStates);
    rows.push(&event(&with), 0, &KAFKA, now());
    rows.push(&event(&without), 0, &FILE, now());
    let batch = rows.finish().unwrap();
    assert_eq!(batch.schema(), Table::PeripheralStates.schema());

    assert_eq!(
        strs(&batch, "peripheral_id"),
        [Some("cam-1".into()), Some("mic-1".into())]
    );
    assert_eq!(
        strs(&batch, "kind"),
        [Some("room_camera".into()), Some("microphone".into())]
    );
    assert_eq!(
        strs(&batch, "connection"),
        [Some("connected".into()), Some("disconnected".into())]
    );
    assert_eq!(strs(&batch, "serial"), [Some("SN-1".into()), None]);
    assert_eq!(strs(&batch, "make")[1].as_deref(), Some("Shure"));
    assert_eq!(strs(&batch, "model")[0].as_deref(), Some("Rally Bar"));
    assert_eq!(strs(&batch, "firmware")[0].as_deref(), Some("1.4.2"));
    assert_eq!(bools(&batch, "optional"), [Some(false), Some(true)]);
    assert_eq!(i64s(&batch, "error_count"), [Some(2), Some(0)]);
    assert_eq!(f64s(&batch, "fps"), [Some(29.5), None]);
    assert_eq!(f64s(&batch, "snr_db"), [Some(-3.0), None]);
    assert_eq!(f64s(&batch, "volume_pct"), [None, None]);

    let other = batch.column_by_name("other_metrics").unwrap().as_map();
    assert_eq!(other.data_type(), &crate::schema::metrics_map_type());
    assert!(other.is_valid(0));
    assert!(
        other.is_null(1),
        "no unknown metrics: null, not an empty map"
    );
    let entries = other.value(0);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries.column(0).as_string::<i32>().value(0), "lens_temp_c");
    assert_eq!(
        entries.column(1).as_primitive::<Float64Type>().value(0),
        41.5
    );

    // The file row has no Kafka coordinates.
    assert_eq!(
        strs(&batch, "kafka_topic"),
        [Some("room-telemetry".into()), None]
    );
    assert_eq!(i32s(&batch, "kafka_partition"), [Some(3), None]);
    assert_eq!(i64s(&batch, "kafka_offset"), [Some(1041), None]);
    assert_eq!(micros(&batch, "ingest_ts"), [Some(now().micros()); 2]);
}

#[test]
fn meeting_row_keeps_start_end_and_optionals() {
    let json = message(
        "meeting",
        "m-1",
        "2026-11-24T10:00:00Z",
        "dev-1",
        "room-1",
        r#""meeting_id":"19:meeting_NjE2@thread.v2","start":"2026-11-24T09:00:00Z","end":"2026-11-24T10:00:00Z","scheduled":true,"booking_id":"bk-9","participants":6,"platform":"teams","packet_loss_pct":0.4,"jitter_ms":12,"rtt_ms":80.5,"video_fps":29.9"#,
    );
    let batch = finish_one(Table::Meetings, &json, 0, &KAFKA);
    assert_eq!(str0(&batch, "meeting_id"), "19:meeting_NjE2@thread.v2");
    assert_eq!(
        micros(&batch, "start"),
        [Some(t("2026-11-24T09:00:00Z").micros())]
    );
    assert_eq!(
        micros(&batch, "end"),
        [Some(t("2026-11-24T10:00:00Z").micros())]
    );
    assert_eq!(bools(&batch, "scheduled"), [Some(true)]);
    assert_eq!(str0(&batch, "booking_id"), "bk-9");
    assert_eq!(i64s(&batch, "participants"), [Some(6)]);
    assert_eq!(i64s(&batch, "people_count"), [None]);
    assert_eq!(str0(&batch, "platform"), "teams");
    assert_eq!(f64s(&batch, "packet_loss_pct"), [Some(0.4)]);
    assert_eq!(f64s(&batch, "jitter_ms"), [Some(12.0)]);
    assert_eq!(f64s(&batch, "rtt_ms"), [Some(80.5)]);
    assert_eq!(f64s(&batch, "video_fps"), [Some(29.9)]);
    assert_kafka_lineage(&batch);
}

#[test]
fn booking_update_and_enrollment_rows() {
    let booking = message(
        "booking",
        "b-1",
        "2026-11-24T08:00:00Z",
        "dev-1",
        "room-1",
        r#""booking_id":"bk-9","start":"2026-11-24T09:00:00Z","end":"2026-11-24T10:00:00Z","status":"cancelled","attendees":4"#,
    );
    let batch = finish_one(Table::Bookings, &booking, 0, &KAFKA);
    assert_eq!(str0(&batch, "booking_id"), "bk-9");
    assert_eq!(
        micros(&batch, "start"),
        [Some(t("2026-11-24T09:00:00Z").micros())]
    );
    assert_eq!(
        micros(&batch, "end"),
        [Some(t("2026-11-24T10:00:00Z").micros())]
    );
    assert_eq!(str0(&batch, "status"), "cancelled");
    assert_eq!(i64s(&batch, "attendees"), [Some(4)]);

    let update = message(
        "update",
        "u-1",
        "2026-11-24T03:00:00Z",
        "dev-1",
        "room-1",
        r#""update_id":"upd-1","component":"operating_system","target_id":"dev-1","from_version":"10.0.1","to_version":"10.0.2","ring":"pilot","status":"rolled_back","error":"disk full""#,
    );
    let batch = finish_one(Table::Updates, &update, 0, &FILE);
    assert_eq!(str0(&batch, "update_id"), "upd-1");
    assert_eq!(str0(&batch, "component"), "operating_system");
    assert_eq!(str0(&batch, "target_id"), "dev-1");
    assert_eq!(str0(&batch, "from_version"), "10.0.1");
    assert_eq!(str0(&batch, "to_version"), "10.0.2");
    assert_eq!(str0(&batch, "ring"), "pilot");
    assert_eq!(str0(&batch, "status"), "rolled_back");
    assert_eq!(str0(&batch, "error"), "disk full");
    assert_eq!(strs(&batch, "kafka_topic"), [None]);

    let enrollment = message(
        "enrollment",
        "en-1",
        "2026-11-24T03:00:00Z",
        "dev-1",
        "room-1",
        r#""action":"unenrolled","platform":"android","make":"Poly","model":"X50","serial":"PX-1""#,
    );
    let batch = finish_one(Table::Enrollments, &enrollment, 0, &KAFKA);
    assert_eq!(str0(&batch, "action"), "unenrolled");
    assert_eq!(str0(&batch, "platform"), "android");
    assert_eq!(str0(&batch, "make"), "Poly");
    assert_eq!(str0(&batch, "model"), "X50");
    assert_eq!(str0(&batch, "serial"), "PX-1");
}

#[test]
fn log_row_is_appended_as_given_with_its_redaction_count() {
    let json = message(
        "log",
        "l-1",
        "2026-11-24T09:00:00Z",
        "dev-1",
        "room-1",
        r#""level":"warning","source":"calendar","message":"sign-in failed for <redacted>""#,
    );
    let batch = finish_one(Table::Logs, &json, 1, &KAFKA);
    assert_eq!(str0(&batch, "level"), "warning");
    assert_eq!(str0(&batch, "source"), "calendar");
    assert_eq!(str0(&batch, "message"), "sign-in failed for <redacted>");
    assert_eq!(i32s(&batch, "redactions"), [Some(1)]);
}

#[test]
fn dead_letters_record_reason_source_and_coordinates() {
    let mut rows = DeadLetterRows::new();
    rows.push(&DeadLetter {
        reason: Reason::OutOfRange,
        field: Some("cpu_pct"),
        detail: "must be within 0–100, got 150",
        raw: br#"{"cpu_pct":150}"#,
        raw_bytes: 15,
        origin: KAFKA,
        received_at: now(),
    });
    rows.push(&DeadLetter {
        reason: Reason::Malformed,
        field: None,
        detail: "not JSON",
        raw: b"\xff\xfe",
        raw_bytes: 2,
        origin: FILE,
        received_at: now().add_secs(1),
    });
    assert_eq!(rows.len(), 2);
    let batch = rows.finish().unwrap();
    assert!(rows.is_empty());
    assert_eq!(batch.schema(), Table::DeadLetters.schema());
    assert_eq!(
        strs(&batch, "reason"),
        [Some("out_of_range".into()), Some("malformed".into())]
    );
    assert_eq!(strs(&batch, "field"), [Some("cpu_pct".into()), None]);
    assert_eq!(strs(&batch, "detail")[1].as_deref(), Some("not JSON"));
    let raw = batch.column_by_name("raw").unwrap().as_binary::<i32>();
    assert_eq!(raw.value(0), br#"{"cpu_pct":150}"#);
    assert_eq!(raw.value(1), b"\xff\xfe");
    assert_eq!(i64s(&batch, "raw_bytes"), [Some(15), Some(2)]);
    assert_eq!(
        strs(&batch, "source"),
        [Some("kafka".into()), Some("file".into())]
    );
    assert_eq!(
        strs(&batch, "kafka_topic"),
        [Some("room-telemetry".into()), None]
    );
    assert_eq!(i32s(&batch, "kafka_partition"), [Some(3), None]);
    assert_eq!(i64s(&batch, "kafka_offset"), [Some(1041), None]);
    assert_eq!(i64s(&batch, "line"), [None, Some(7)]);
    assert_eq!(
        micros(&batch, "received_at"),
        [Some(now().micros()), Some(now().micros() + 1_000_000)]
    );
}

#[test]
fn finish_empties_the_builder_and_it_is_reusable() {
    let mut rows = TableRows::new(Table::Heartbeats);
    assert_eq!(rows.table(), Table::Heartbeats);
    assert!(rows.is_empty());
    assert_eq!(rows.approx_bytes(), 0);
    let a = heartbeat("hb-1", "2026-11-24T09:15:00Z", "dev-1", "room-1");
    let b = heartbeat("hb-2", "2026-11-24T09:16:00Z", "dev-1", "room-1");
    rows.push(&event(&a), 0, &KAFKA, now());
    let one = rows.approx_bytes();
    assert!(one > "hb-1dev-1room-1".len(), "{one}");
    rows.push(&event(&b), 0, &KAFKA, now());
    assert!(rows.approx_bytes() > one);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.finish().unwrap().num_rows(), 2);
    assert_eq!((rows.len(), rows.approx_bytes()), (0, 0));
    rows.push(&event(&b), 0, &FILE, now());
    let batch = rows.finish().unwrap();
    assert_eq!(strs(&batch, "event_id"), [Some("hb-2".into())]);
    assert_eq!(strs(&batch, "kafka_topic"), [None]);
    assert_eq!(rows.finish().unwrap().num_rows(), 0);
}

#[test]
#[should_panic(expected = "routed to the `meetings` rows")]
fn pushing_an_event_of_another_table_is_a_bug() {
    let json = heartbeat("hb-1", "2026-11-24T09:15:00Z", "dev-1", "room-1");
    TableRows::new(Table::Meetings).push(&event(&json), 0, &KAFKA, now());
}

/// Heartbeats from `(id, ts, device, room)`, pushed with the given ingest times and offsets.
fn heartbeats(rows: &[(&str, &str, &str, &str, Timestamp, Origin<'_>)]) -> RecordBatch {
    let lines: Vec<String> = rows
        .iter()
        .map(|(id, ts, device, room, ..)| heartbeat(id, ts, device, room))
        .collect();
    let mut builder = TableRows::new(Table::Heartbeats);
    for (line, (.., ingest, origin)) in lines.iter().zip(rows) {
        builder.push(&event(line), 0, origin, *ingest);
    }
    builder.finish().unwrap()
}

fn kafka(offset: i64) -> Origin<'static> {
    Origin::Kafka {
        topic: "room-telemetry",
        partition: 0,
        offset,
    }
}

fn ids(batch: &RecordBatch) -> Vec<String> {
    strs(batch, "event_id")
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

#[test]
fn sort_orders_by_room_device_ts_event_id() {
    let n = now();
    let batch = heartbeats(&[
        ("e", "2026-11-24T09:00:00Z", "dev-b", "room-1", n, kafka(0)),
        ("d", "2026-11-24T09:00:00Z", "dev-a", "room-2", n, kafka(1)),
        ("c", "2026-11-24T09:00:00Z", "dev-a", "room-1", n, kafka(2)),
        ("b", "2026-11-24T08:00:00Z", "dev-a", "room-1", n, kafka(3)),
        ("a", "2026-11-24T09:00:00Z", "dev-a", "room-1", n, kafka(4)),
    ]);
    let sorted = sort(Table::Heartbeats, &batch).unwrap();
    assert_eq!(ids(&sorted), ["b", "a", "c", "e", "d"]);
    assert_eq!(i64s(&sorted, "kafka_offset"), [3, 4, 2, 0, 1].map(Some));
}

#[test]
fn split_by_date_gives_one_sorted_batch_per_utc_day() {
    let n = now();
    // 23:30 at -02:00 is 01:30 UTC the next day.
    let batch = heartbeats(&[
        (
            "late",
            "2026-11-25T08:00:00Z",
            "dev-1",
            "room-1",
            n,
            kafka(0),
        ),
        (
            "x",
            "2026-11-24T23:30:00-02:00",
            "dev-1",
            "room-1",
            n,
            kafka(1),
        ),
        (
            "early",
            "2026-11-24T22:00:00Z",
            "dev-2",
            "room-1",
            n,
            kafka(2),
        ),
        (
            "first",
            "2026-11-24T00:00:00Z",
            "dev-2",
            "room-1",
            n,
            kafka(3),
        ),
        ("b", "2026-11-24T12:00:00Z", "dev-1", "room-0", n, kafka(4)),
    ]);
    let days = split_by_date(Table::Heartbeats, &batch).unwrap();
    let day24 = t("2026-11-24T00:00:00Z").utc_day();
    assert_eq!(
        days.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
        [day24, day24 + 1]
    );
    assert_eq!(ids(&days[0].1), ["b", "first", "early"]);
    assert_eq!(ids(&days[1].1), ["x", "late"]);
    for (_, b) in &days {
        assert_eq!(b.schema(), Table::Heartbeats.schema());
        assert_eq!(&sort(Table::Heartbeats, b).unwrap(), b);
    }
    assert!(
        split_by_date(Table::Heartbeats, &batch.slice(0, 0))
            .unwrap()
            .is_empty()
    );
    assert!(split_by_date(Table::Rooms, &RecordBatch::new_empty(Table::Rooms.schema())).is_err());
}

#[test]
fn dead_letters_split_by_received_at() {
    let mut rows = DeadLetterRows::new();
    for (offset, received_at) in [(5, "2026-11-25T00:00:01Z"), (4, "2026-11-24T23:59:59Z")] {
        rows.push(&DeadLetter {
            reason: Reason::Malformed,
            field: None,
            detail: "not JSON",
            raw: b"{",
            raw_bytes: 1,
            origin: kafka(offset),
            received_at: t(received_at),
        });
    }
    let days = split_by_date(Table::DeadLetters, &rows.finish().unwrap()).unwrap();
    let day24 = t("2026-11-24T00:00:00Z").utc_day();
    assert_eq!(days.len(), 2);
    assert_eq!(
        (days[0].0, i64s(&days[0].1, "kafka_offset")),
        (day24, vec![Some(4)])
    );
    assert_eq!(
        (days[1].0, i64s(&days[1].1, "kafka_offset")),
        (day24 + 1, vec![Some(5)])
    );
}

#[test]
fn dedup_keeps_the_earliest_ingest_then_the_smallest_offset() {
    let n = now();
    let ts = "2026-11-24T09:00:00Z";
    let batch = heartbeats(&[
        ("dup", ts, "dev-1", "room-1", n.add_secs(60), kafka(10)),
        ("solo", ts, "dev-2", "room-1", n, kafka(11)),
        ("dup", ts, "dev-1", "room-1", n, kafka(12)),
        ("tie", ts, "dev-3", "room-1", n, kafka(21)),
        ("dup", ts, "dev-1", "room-1", n.add_secs(5), kafka(13)),
        ("tie", ts, "dev-3", "room-1", n, kafka(20)),
    ]);
    let (kept, dropped) = dedup(Table::Heartbeats, &batch).unwrap();
    assert_eq!(dropped, 3);
    assert_eq!(ids(&kept), ["dup", "solo", "tie"]);
    assert_eq!(i64s(&kept, "kafka_offset"), [12, 11, 20].map(Some));
    assert_eq!(micros(&kept, "ingest_ts"), [Some(n.micros()); 3]);

    let (again, dropped) = dedup(Table::Heartbeats, &kept).unwrap();
    assert_eq!((again, dropped), (kept, 0));
    let empty = RecordBatch::new_empty(Table::DeadLetters.schema());
    assert_eq!(dedup(Table::DeadLetters, &empty).unwrap(), (empty, 0));
}

#[test]
fn encode_then_decode_round_trips_with_lake_metadata() {
    let n = now();
    let lines = [
        message(
            "peripheral",
            "p-1",
            "2026-11-24T09:15:00Z",
            "dev-1",
            "room-1",
            r#""peripheral_id":"cam-1","kind":"room_camera","make":"Logitech","model":"Rally","firmware":"1.4","connection":"connected","optional":false,"error_count":0,"metrics":{"fps":30,"lens_temp_c":41.5,"iso":800}"#,
        ),
        message(
            "peripheral",
            "p-2",
            "2026-11-24T09:10:00Z",
            "dev-1",
            "room-1",
            r#""peripheral_id":"mic-1","kind":"microphone","make":"Shure","model":"MXA920","firmware":"2.0","connection":"unknown","optional":true,"error_count":1,"metrics":{"snr_db":20}"#,
        ),
        message(
            "peripheral",
            "p-3",
            "2026-11-24T09:05:00Z",
            "dev-0",
            "room-1",
            r#""peripheral_id":"disp-1","kind":"display","make":"LG","model":"55","firmware":"3","connection":"connected","optional":false,"error_count":0"#,
        ),
    ];
    let mut rows = TableRows::new(Table::PeripheralStates);
    for (i, line) in lines.iter().enumerate() {
        let origin = if i == 1 { FILE } else { kafka(i as i64) };
        rows.push(&event(line), 0, &origin, n);
    }
    let batch = sort(Table::PeripheralStates, &rows.finish().unwrap()).unwrap();
    let options = EncodeOptions {
        max_row_group_rows: 2,
        ..EncodeOptions::default()
    };
    let file = encode(
        Table::PeripheralStates,
        std::slice::from_ref(&batch),
        &options,
    )
    .unwrap();

    let decoded = decode(file.clone(), None).unwrap();
    assert_eq!(decoded.len(), 2, "one batch per row group");
    let all = concat_batches(&Table::PeripheralStates.schema(), &decoded).unwrap();
    assert_eq!(all, batch);

    let read_options = ReadOptionsBuilder::new().with_page_index().build();
    let reader = SerializedFileReader::new_with_options(file.clone(), read_options).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.num_row_groups(), 2);
    let kv = meta.file_metadata().key_value_metadata().unwrap();
    assert!(
        kv.iter()
            .any(|e| e.key == "roomsight.table" && e.value.as_deref() == Some("peripheral_states"))
    );
    let schema = Table::PeripheralStates.schema();
    for group in meta.row_groups() {
        assert!(matches!(
            group.column(0).compression(),
            Compression::ZSTD(_)
        ));
        let sorting = group.sorting_columns().unwrap();
        let names: Vec<&str> = sorting
            .iter()
            .map(|c| schema.field(c.column_idx as usize).name().as_str())
            .collect();
        assert_eq!(names, ["room_id", "device_id", "ts", "event_id"]);
        assert!(sorting.iter().all(|c| !c.descending && c.nulls_first));
        assert!(group.column(1).statistics().is_some(), "statistics written");
    }
    let page_index = meta.column_index().expect("page statistics written");
    assert_eq!(page_index.len(), 2);
    assert!(
        page_index
            .iter()
            .flatten()
            .all(|c| !matches!(c, ColumnIndexMetaData::NONE)),
        "every column of every row group has min/max per page"
    );

    let projected = decode(file.clone(), Some(&["event_id", "fps"])).unwrap();
    let names: Vec<String> = projected[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["event_id", "fps"]);
    assert!(decode(file, Some(&["nope"])).is_err());
}

#[test]
fn every_table_round_trips_through_parquet() {
    let mut dead = DeadLetterRows::new();
    dead.push(&DeadLetter {
        reason: Reason::FutureTs,
        field: Some("ts"),
        detail: "ahead",
        raw: b"{}",
        raw_bytes: 2,
        origin: FILE,
        received_at: now(),
    });
    let dead = dead.finish().unwrap();
    let beats = heartbeats(&[(
        "a",
        "2026-11-24T09:00:00Z",
        "dev-1",
        "room-1",
        now(),
        kafka(1),
    )]);
    for (table, batch) in [(Table::DeadLetters, dead), (Table::Heartbeats, beats)] {
        let file = encode(
            table,
            std::slice::from_ref(&batch),
            &EncodeOptions::default(),
        )
        .unwrap();
        assert_eq!(decode(file, None).unwrap(), [batch]);
    }
    let wrong = heartbeats(&[]);
    assert!(encode(Table::Logs, &[wrong], &EncodeOptions::default()).is_err());
    let zero = EncodeOptions {
        max_row_group_rows: 0,
        ..EncodeOptions::default()
    };
    assert!(encode(Table::Logs, &[], &zero).is_err());
}

#[test]
fn dedup_handles_many_rows_without_losing_distinct_events() {
    let n = now();
    let lines: Vec<String> = (0..2_000)
        .map(|i| {
            heartbeat(
                &format!("e{}", i % 1_500),
                "2026-11-24T09:00:00Z",
                "dev-1",
                "room-1",
            )
        })
        .collect();
    let mut rows = TableRows::new(Table::Heartbeats);
    for (i, line) in lines.iter().enumerate() {
        rows.push(&event(line), 0, &kafka(i as i64), n);
    }
    let (kept, dropped) = dedup(Table::Heartbeats, &rows.finish().unwrap()).unwrap();
    assert_eq!((kept.num_rows(), dropped), (1_500, 500));
    // The first copy (smallest offset) of each duplicated id was kept.
    let offsets = kept.column_by_name("kafka_offset").unwrap();
    let ids = kept.column_by_name("event_id").unwrap().as_string::<i32>();
    for (id, offset) in ids.iter().zip(offsets.as_primitive::<Int64Type>().iter()) {
        let k: i64 = id.unwrap()[1..].parse().unwrap();
        assert_eq!(offset, Some(k));
    }
}
