use super::*;

/// A session with a tiny `peripheral_states`: one camera, states every 5 minutes from
/// 10:00, a drop-out at 10:20 (reconnect at 10:25, count reset), errors rising otherwise.
async fn session() -> SessionContext {
    let ctx = SessionContext::new();
    let rows = [
        ("10:00", "connected", 0, Some(30.0)),
        ("10:05", "connected", 2, Some(29.0)),
        ("10:10", "connected", 3, Some(28.0)),
        ("10:20", "disconnected", 4, None),
        ("10:25", "connected", 0, Some(29.5)),
        ("10:30", "connected", 5, Some(29.5)),
    ];
    let values: Vec<String> = rows
        .iter()
        .map(|(t, c, e, fps)| {
            format!(
                "('{t}', '{c}', {e}, {})",
                fps.map_or("NULL".to_owned(), |v: f64| v.to_string())
            )
        })
        .collect();
    let sql = format!(
        "CREATE VIEW peripheral_states AS SELECT
           'p1' AS peripheral_id, 'd1' AS device_id, 'r1' AS room_id, 'room_camera' AS kind,
           'Acme' AS make, 'Cam' AS model, '1.0' AS firmware,
           arrow_cast(CAST(concat('2026-01-05T', column1, ':00Z') AS TIMESTAMP),
                      'Timestamp(Microsecond, Some(\"UTC\"))') AS ts,
           column2 AS connection, CAST(column3 AS BIGINT) AS error_count,
           CAST(column4 AS DOUBLE) AS fps,
           CAST(NULL AS DOUBLE) AS dropped_frames_pct, CAST(NULL AS DOUBLE) AS snr_db,
           CAST(NULL AS DOUBLE) AS noise_floor_db, CAST(NULL AS DOUBLE) AS distortion_pct,
           CAST(NULL AS DOUBLE) AS signal_errors, CAST(NULL AS DOUBLE) AS touch_latency_ms,
           DATE '2026-01-05' AS date
         FROM (VALUES {}) AS v",
        values.join(", ")
    );
    ctx.sql(&sql).await.unwrap().collect().await.unwrap();
    ctx
}

#[tokio::test]
async fn windows_count_reports_dropouts_and_errors_across_a_reset() {
    let ctx = session().await;
    let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let range = FeatureRange {
        from: day,
        to: day,
        window_secs: 900,
    };
    let series = window_features(&ctx, &range).await.unwrap();
    assert_eq!(series.len(), 1);
    let s = &series[0];
    assert_eq!(
        (s.kind.as_str(), s.firmwares.as_slice()),
        ("room_camera", &["1.0".to_owned()][..])
    );
    assert_eq!(s.windows.len(), 3);
    let [a, b, c] = [s.windows[0], s.windows[1], s.windows[2]];
    assert_eq!(b.start - a.start, 900_000_000);
    // 10:00–10:15: 0 → 2 → 3 errors, mean fps 29.
    assert_eq!(
        (a.reports, a.connected, a.disconnects, a.errors),
        (3, 3, 0, 3)
    );
    assert!((a.metrics[0] - 29.0).abs() < 1e-6);
    assert!(a.metrics[2].is_nan());
    // 10:15–10:30: the drop-out (+1) and the reset to 0 on reconnect.
    assert_eq!(
        (b.reports, b.connected, b.disconnects, b.errors),
        (2, 1, 1, 1)
    );
    // 10:30: 0 → 5 after the reset.
    assert_eq!(c.errors, 5);
    // Another date range reads nothing.
    let other = FeatureRange {
        from: day.succ_opt().unwrap(),
        to: day.succ_opt().unwrap(),
        window_secs: 900,
    };
    assert!(window_features(&ctx, &other).await.unwrap().is_empty());
}
