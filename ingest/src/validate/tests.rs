//! The contract's rules, one real example each.

use serde_json::{Value, json};

use super::*;

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-24T12:00:00Z").unwrap()
}

fn envelope(t: &str) -> Value {
    json!({
        "schema": "roomsight.telemetry/v1",
        "type": t,
        "event_id": "evt-1",
        "ts": "2026-11-24T09:15:00Z",
        "device_id": "dev-ldn-1",
        "room_id": "room-ldn-1",
    })
}

fn with(mut base: Value, fields: Value) -> Value {
    for (k, v) in fields.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn heartbeat() -> Value {
    with(
        envelope("heartbeat"),
        json!({"platform":"windows","app_version":"5.2.1","os_version":"10.0.22631",
               "teams_signed_in":true,"exchange_signed_in":false,"cpu_pct":12.5,"mem_pct":40,
               "temp_c":41.5,"uptime_s":3600}),
    )
}

fn peripheral() -> Value {
    with(
        envelope("peripheral"),
        json!({"peripheral_id":"cam-1","kind":"room_camera","make":"Logi","model":"Rally",
               "firmware":"1.2.3","serial":"SN1","connection":"connected","optional":false,
               "error_count":0,"metrics":{"fps":29.97,"dropped_frames_pct":0.1,"vendor_temp":50}}),
    )
}

fn meeting() -> Value {
    with(
        envelope("meeting"),
        json!({"ts":"2026-11-24T10:00:00Z","meeting_id":"m-1","start":"2026-11-24T09:00:00Z",
               "end":"2026-11-24T10:00:00Z","scheduled":true,"booking_id":"b-1",
               "participants":5,"people_count":3,"platform":"teams","packet_loss_pct":0.5,
               "jitter_ms":4,"rtt_ms":40,"video_fps":30}),
    )
}

fn booking() -> Value {
    with(
        envelope("booking"),
        json!({"booking_id":"b-1","start":"2026-11-25T09:00:00Z","end":"2026-11-25T10:00:00Z",
               "status":"accepted","attendees":4}),
    )
}

fn update() -> Value {
    with(
        envelope("update"),
        json!({"update_id":"u-1","component":"firmware","target_id":"cam-1","from_version":"1.2.3",
               "to_version":"1.3.0","ring":"pilot","status":"failed","error":"checksum mismatch"}),
    )
}

fn enrollment() -> Value {
    with(
        envelope("enrollment"),
        json!({"action":"enrolled","platform":"android","make":"Poly","model":"X50","serial":"P1"}),
    )
}

fn log_event() -> Value {
    with(
        envelope("log"),
        json!({"level":"warning","source":"calendar","message":"Meeting started by jane@contoso.com"}),
    )
}

fn all_valid() -> Vec<Value> {
    vec![
        heartbeat(),
        peripheral(),
        meeting(),
        booking(),
        update(),
        enrollment(),
        log_event(),
    ]
}

fn judge(v: &Value) -> Result<EventType, (Reason, Option<String>)> {
    let text = v.to_string();
    validate(text.as_bytes(), now())
        .map(|e| e.event_type())
        .map_err(|r| (r.reason, r.field.map(|f| f.into_owned())))
}

fn rejected(v: &Value) -> (Reason, Option<String>) {
    judge(v).expect_err("expected a rejection")
}

fn rejects(v: Value, reason: Reason, field: &str) {
    assert_eq!(rejected(&v), (reason, Some(field.to_string())), "{v}");
}

fn remove(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

#[test]
fn every_event_type_has_a_valid_example() {
    for v in all_valid() {
        let t = v["type"].as_str().unwrap();
        assert_eq!(judge(&v).map(EventType::as_str), Ok(t), "{v}");
    }
}

#[test]
fn valid_events_round_trip_through_serde() {
    for v in all_valid() {
        let text = v.to_string();
        let event = validate(text.as_bytes(), now()).unwrap();
        let wire = event.to_json();
        assert_eq!(validate(wire.as_bytes(), now()).unwrap(), event, "{wire}");
    }
}

#[test]
fn too_large() {
    let mut v = log_event();
    v["padding"] = json!("x".repeat(MAX_MESSAGE_BYTES));
    assert_eq!(rejected(&v), (Reason::TooLarge, None));
}

#[test]
fn malformed() {
    for bytes in [
        &b"not json"[..],
        b"{\"schema\":",
        b"[1,2]",
        b"\"a string\"",
        b"42",
        b"{} {}",
        b"\xff\xfe{}",
        b"",
    ] {
        let r = validate(bytes, now()).unwrap_err();
        assert_eq!(r.reason, Reason::Malformed, "{bytes:?}");
        assert_eq!(r.field, None);
    }
}

#[test]
fn unknown_schema() {
    rejects(
        with(heartbeat(), json!({"schema":"roomsight.telemetry/v2"})),
        Reason::UnknownSchema,
        "schema",
    );
    rejects(
        remove(heartbeat(), "schema"),
        Reason::UnknownSchema,
        "schema",
    );
    rejects(
        with(heartbeat(), json!({"schema":1})),
        Reason::UnknownSchema,
        "schema",
    );
    rejects(
        with(heartbeat(), json!({"schema":null})),
        Reason::UnknownSchema,
        "schema",
    );
}

#[test]
fn unknown_type() {
    rejects(
        with(heartbeat(), json!({"type":"telemetry"})),
        Reason::UnknownType,
        "type",
    );
    rejects(
        with(heartbeat(), json!({"type":"Heartbeat"})),
        Reason::UnknownType,
        "type",
    );
    rejects(remove(heartbeat(), "type"), Reason::UnknownType, "type");
    rejects(
        with(heartbeat(), json!({"type":["heartbeat"]})),
        Reason::UnknownType,
        "type",
    );
}

#[test]
fn missing_field_for_every_required_field() {
    type Required = (fn() -> Value, &'static [&'static str]);
    let required: &[Required] = &[
        (
            heartbeat,
            &[
                "event_id",
                "ts",
                "device_id",
                "room_id",
                "platform",
                "app_version",
                "os_version",
                "teams_signed_in",
                "exchange_signed_in",
                "cpu_pct",
                "mem_pct",
                "uptime_s",
            ],
        ),
        (
            peripheral,
            &[
                "peripheral_id",
                "kind",
                "make",
                "model",
                "firmware",
                "connection",
                "optional",
                "error_count",
            ],
        ),
        (
            meeting,
            &[
                "meeting_id",
                "start",
                "end",
                "scheduled",
                "participants",
                "platform",
                "packet_loss_pct",
                "jitter_ms",
                "rtt_ms",
            ],
        ),
        (
            booking,
            &["booking_id", "start", "end", "status", "attendees"],
        ),
        (
            update,
            &[
                "update_id",
                "component",
                "target_id",
                "from_version",
                "to_version",
                "ring",
                "status",
            ],
        ),
        (
            enrollment,
            &["action", "platform", "make", "model", "serial"],
        ),
        (log_event, &["level", "source", "message"]),
    ];
    for (make, fields) in required {
        for field in *fields {
            rejects(remove(make(), field), Reason::MissingField, field);
            rejects(
                with(make(), json!({ *field: null })),
                Reason::MissingField,
                field,
            );
        }
    }
}

#[test]
fn optional_fields_may_be_absent_or_null() {
    for (make, field) in [
        (heartbeat as fn() -> Value, "temp_c"),
        (peripheral, "serial"),
        (peripheral, "metrics"),
        (meeting, "booking_id"),
        (meeting, "people_count"),
        (meeting, "video_fps"),
        (update, "error"),
    ] {
        assert!(judge(&remove(make(), field)).is_ok(), "{field} absent");
        assert!(
            judge(&with(make(), json!({ field: null }))).is_ok(),
            "{field} null"
        );
    }
}

#[test]
fn wrong_type() {
    rejects(
        with(heartbeat(), json!({"event_id":7})),
        Reason::WrongType,
        "event_id",
    );
    rejects(
        with(heartbeat(), json!({"ts":1_700_000_000})),
        Reason::WrongType,
        "ts",
    );
    rejects(
        with(heartbeat(), json!({"teams_signed_in":"true"})),
        Reason::WrongType,
        "teams_signed_in",
    );
    rejects(
        with(heartbeat(), json!({"cpu_pct":"12"})),
        Reason::WrongType,
        "cpu_pct",
    );
    rejects(
        with(heartbeat(), json!({"temp_c":[40]})),
        Reason::WrongType,
        "temp_c",
    );
    rejects(
        with(peripheral(), json!({"metrics":[1]})),
        Reason::WrongType,
        "metrics",
    );
    rejects(
        with(peripheral(), json!({"metrics":{"fps":"30"}})),
        Reason::WrongType,
        "metrics.fps",
    );
    rejects(
        with(meeting(), json!({"scheduled":1})),
        Reason::WrongType,
        "scheduled",
    );
    rejects(
        with(update(), json!({"error":{"code":1}})),
        Reason::WrongType,
        "error",
    );
    rejects(
        with(log_event(), json!({"message":false})),
        Reason::WrongType,
        "message",
    );
}

#[test]
fn integers_are_written_without_fraction_or_exponent() {
    for text in ["3600.0", "36e2", "3.6E3"] {
        let msg = heartbeat()
            .to_string()
            .replace("\"uptime_s\":3600", &format!("\"uptime_s\":{text}"));
        let r = validate(msg.as_bytes(), now()).unwrap_err();
        assert_eq!(
            (r.reason, r.field.as_deref()),
            (Reason::WrongType, Some("uptime_s")),
            "{text}"
        );
    }
    // A number field takes any finite number, integer or not.
    let msg = heartbeat()
        .to_string()
        .replace("\"mem_pct\":40", "\"mem_pct\":4e1");
    assert!(validate(msg.as_bytes(), now()).is_ok());
    // An integer too large for the lake is out of range, not a wrong type.
    let msg = heartbeat()
        .to_string()
        .replace("\"uptime_s\":3600", "\"uptime_s\":99999999999999999999");
    assert_eq!(
        validate(msg.as_bytes(), now()).unwrap_err().reason,
        Reason::OutOfRange
    );
}

#[test]
fn out_of_range_for_every_kind_of_rule() {
    // lengths and character sets
    rejects(
        with(heartbeat(), json!({"event_id":""})),
        Reason::OutOfRange,
        "event_id",
    );
    rejects(
        with(heartbeat(), json!({"event_id":"e".repeat(129)})),
        Reason::OutOfRange,
        "event_id",
    );
    rejects(
        with(heartbeat(), json!({"device_id":"dev 1"})),
        Reason::OutOfRange,
        "device_id",
    );
    rejects(
        with(heartbeat(), json!({"room_id":"r".repeat(65)})),
        Reason::OutOfRange,
        "room_id",
    );
    rejects(
        with(peripheral(), json!({"peripheral_id":""})),
        Reason::OutOfRange,
        "peripheral_id",
    );
    rejects(
        with(meeting(), json!({"meeting_id":"m".repeat(129)})),
        Reason::OutOfRange,
        "meeting_id",
    );
    rejects(
        with(booking(), json!({"booking_id":""})),
        Reason::OutOfRange,
        "booking_id",
    );
    // enum values
    rejects(
        with(heartbeat(), json!({"platform":"linux"})),
        Reason::OutOfRange,
        "platform",
    );
    rejects(
        with(peripheral(), json!({"kind":"webcam"})),
        Reason::OutOfRange,
        "kind",
    );
    rejects(
        with(peripheral(), json!({"connection":"Connected"})),
        Reason::OutOfRange,
        "connection",
    );
    rejects(
        with(meeting(), json!({"platform":"skype"})),
        Reason::OutOfRange,
        "platform",
    );
    rejects(
        with(booking(), json!({"status":"tentative"})),
        Reason::OutOfRange,
        "status",
    );
    rejects(
        with(update(), json!({"component":"bios"})),
        Reason::OutOfRange,
        "component",
    );
    rejects(
        with(update(), json!({"status":"done"})),
        Reason::OutOfRange,
        "status",
    );
    rejects(
        with(enrollment(), json!({"action":"joined"})),
        Reason::OutOfRange,
        "action",
    );
    rejects(
        with(log_event(), json!({"level":"debug"})),
        Reason::OutOfRange,
        "level",
    );
    // timestamps
    rejects(
        with(heartbeat(), json!({"ts":"2026-11-24 09:15:00"})),
        Reason::OutOfRange,
        "ts",
    );
    rejects(
        with(heartbeat(), json!({"ts":"2026-11-24T09:15:00"})),
        Reason::OutOfRange,
        "ts",
    );
    rejects(
        with(heartbeat(), json!({"ts":"2026-02-30T09:15:00Z"})),
        Reason::OutOfRange,
        "ts",
    );
    rejects(
        with(booking(), json!({"start":"tomorrow"})),
        Reason::OutOfRange,
        "start",
    );
    // numeric ranges
    rejects(
        with(heartbeat(), json!({"cpu_pct":100.5})),
        Reason::OutOfRange,
        "cpu_pct",
    );
    rejects(
        with(heartbeat(), json!({"mem_pct":-1})),
        Reason::OutOfRange,
        "mem_pct",
    );
    rejects(
        with(heartbeat(), json!({"temp_c":-21})),
        Reason::OutOfRange,
        "temp_c",
    );
    rejects(
        with(heartbeat(), json!({"uptime_s":-1})),
        Reason::OutOfRange,
        "uptime_s",
    );
    rejects(
        with(peripheral(), json!({"error_count":-3})),
        Reason::OutOfRange,
        "error_count",
    );
    rejects(
        with(peripheral(), json!({"metrics":{"fps":121}})),
        Reason::OutOfRange,
        "metrics.fps",
    );
    rejects(
        with(peripheral(), json!({"metrics":{"snr_db":-21}})),
        Reason::OutOfRange,
        "metrics.snr_db",
    );
    rejects(
        with(peripheral(), json!({"metrics":{"noise_floor_db":1}})),
        Reason::OutOfRange,
        "metrics.noise_floor_db",
    );
    rejects(
        with(peripheral(), json!({"metrics":{"signal_errors":-1}})),
        Reason::OutOfRange,
        "metrics.signal_errors",
    );
    rejects(
        with(peripheral(), json!({"metrics":{"touch_latency_ms":10001}})),
        Reason::OutOfRange,
        "metrics.touch_latency_ms",
    );
    rejects(
        with(meeting(), json!({"participants":-1})),
        Reason::OutOfRange,
        "participants",
    );
    rejects(
        with(meeting(), json!({"people_count":-1})),
        Reason::OutOfRange,
        "people_count",
    );
    rejects(
        with(meeting(), json!({"packet_loss_pct":101})),
        Reason::OutOfRange,
        "packet_loss_pct",
    );
    rejects(
        with(meeting(), json!({"jitter_ms":-0.1})),
        Reason::OutOfRange,
        "jitter_ms",
    );
    rejects(
        with(meeting(), json!({"rtt_ms":-5})),
        Reason::OutOfRange,
        "rtt_ms",
    );
    rejects(
        with(meeting(), json!({"video_fps":240})),
        Reason::OutOfRange,
        "video_fps",
    );
    rejects(
        with(booking(), json!({"attendees":-2})),
        Reason::OutOfRange,
        "attendees",
    );
    rejects(
        with(log_event(), json!({"message":"x".repeat(8193)})),
        Reason::OutOfRange,
        "message",
    );
}

#[test]
fn a_metric_range_applies_by_name_whatever_the_kind() {
    let mic = with(
        peripheral(),
        json!({"kind":"microphone","metrics":{"fps":500}}),
    );
    rejects(mic, Reason::OutOfRange, "metrics.fps");
}

#[test]
fn unknown_metrics_are_kept_and_null_metrics_are_absent() {
    let v = with(
        peripheral(),
        json!({"metrics":{"vendor_x":-5e3,"fps":null}}),
    );
    let text = v.to_string();
    let event = validate(text.as_bytes(), now()).unwrap();
    let Body::Peripheral(p) = event.body else {
        panic!("a peripheral")
    };
    assert_eq!(p.metrics.get("vendor_x"), Some(-5000.0));
    assert_eq!(p.metrics.get("fps"), None);
}

#[test]
fn cross_field_rules_name_the_later_field() {
    let same = with(booking(), json!({"end":"2026-11-25T09:00:00Z"}));
    rejects(same, Reason::OutOfRange, "end");
    let backwards = with(meeting(), json!({"start":"2026-11-24T10:30:00Z"}));
    rejects(backwards, Reason::OutOfRange, "end");
    let long = with(meeting(), json!({"start":"2026-11-23T09:59:59Z"}));
    rejects(long, Reason::OutOfRange, "end");
    let exactly_a_day = with(meeting(), json!({"start":"2026-11-23T10:00:00Z"}));
    assert!(judge(&exactly_a_day).is_ok());
    let ts_not_end = with(meeting(), json!({"ts":"2026-11-24T10:00:01Z"}));
    rejects(ts_not_end, Reason::OutOfRange, "end");
    // The same instant written with another offset is equal.
    let offset = with(meeting(), json!({"ts":"2026-11-24T11:00:00+01:00"}));
    assert!(judge(&offset).is_ok());
}

#[test]
fn future_ts_is_judged_against_ingest_time() {
    let at_limit = with(heartbeat(), json!({"ts":"2026-11-24T12:10:00Z"}));
    assert!(judge(&at_limit).is_ok());
    let over = with(heartbeat(), json!({"ts":"2026-11-24T12:10:01Z"}));
    rejects(over, Reason::FutureTs, "ts");
    let late = with(heartbeat(), json!({"ts":"2025-01-01T00:00:00Z"}));
    assert!(judge(&late).is_ok(), "late events of any age are valid");
}

#[test]
fn checks_run_in_the_contracts_order() {
    // Schema before type.
    let v = with(heartbeat(), json!({"schema":"v0","type":"nope"}));
    assert_eq!(rejected(&v).0, Reason::UnknownSchema);
    // Type before fields.
    let v = remove(with(heartbeat(), json!({"type":"nope"})), "event_id");
    assert_eq!(rejected(&v).0, Reason::UnknownType);
    // Envelope before body, and fields in table order.
    let v = with(remove(heartbeat(), "cpu_pct"), json!({"room_id":"bad id"}));
    rejects(v, Reason::OutOfRange, "room_id");
    let v = with(remove(heartbeat(), "uptime_s"), json!({"cpu_pct":500}));
    rejects(v, Reason::OutOfRange, "cpu_pct");
    // future_ts at ts's place: after event_id, before device_id.
    let v = with(
        heartbeat(),
        json!({"ts":"2030-01-01T00:00:00Z","device_id":"bad id"}),
    );
    rejects(v, Reason::FutureTs, "ts");
    let v = with(
        heartbeat(),
        json!({"ts":"2030-01-01T00:00:00Z","event_id":""}),
    );
    rejects(v, Reason::OutOfRange, "event_id");
}

#[test]
fn timestamps_with_offsets_and_fractions_are_valid() {
    let v = with(heartbeat(), json!({"ts":"2026-11-24T10:15:00.250+01:00"}));
    let text = v.to_string();
    let e = validate(text.as_bytes(), now()).unwrap();
    assert_eq!(e.ts.to_string(), "2026-11-24T09:15:00.250Z");
}

#[test]
fn lengths_count_code_points_but_the_log_limit_counts_bytes() {
    let ok = with(peripheral(), json!({"peripheral_id":"ö".repeat(64)}));
    assert!(judge(&ok).is_ok());
    rejects(
        with(peripheral(), json!({"peripheral_id":"ö".repeat(65)})),
        Reason::OutOfRange,
        "peripheral_id",
    );
    let ok = with(log_event(), json!({"message":"x".repeat(8192)}));
    assert!(judge(&ok).is_ok());
    // 4 097 two-byte characters: 8 194 bytes.
    rejects(
        with(log_event(), json!({"message":"é".repeat(4097)})),
        Reason::OutOfRange,
        "message",
    );
}

#[test]
fn extra_fields_escapes_and_repeated_keys() {
    let v = with(
        heartbeat(),
        json!({"firmware_extra":{"nested":[1,2,3]},"x":null}),
    );
    assert!(judge(&v).is_ok());
    let v = with(
        heartbeat(),
        json!({"app_version":"5.2\n\"beta\" \u{1F600}"}),
    );
    let text = v.to_string();
    let e = validate(text.as_bytes(), now()).unwrap();
    let Body::Heartbeat(h) = e.body else {
        panic!("a heartbeat")
    };
    assert_eq!(h.app_version, "5.2\n\"beta\" \u{1F600}");
    // The last of repeated keys wins.
    let text = heartbeat()
        .to_string()
        .replacen('{', "{\"cpu_pct\":500,", 1);
    assert!(validate(text.as_bytes(), now()).is_ok());
    let text = heartbeat().to_string().replace("}", ",\"cpu_pct\":500}");
    assert_eq!(
        validate(text.as_bytes(), now()).unwrap_err().reason,
        Reason::OutOfRange
    );
}

#[test]
fn unescaped_strings_are_borrowed() {
    let text = heartbeat().to_string();
    let e = validate(text.as_bytes(), now()).unwrap();
    assert!(matches!(e.event_id, Cow::Borrowed(_)));
    assert!(matches!(e.device_id, Cow::Borrowed(_)));
}
