-- peripheral_latest: the latest state of every peripheral, one row per peripheral_id: its
-- latest event in peripheral_states (greatest ts, then greatest event_id), with the room system
-- and room that event names, its identity (kind, make, model, serial, firmware), its
-- connection, optional flag, error counter and the known metrics it carried; last_seen is that
-- event's ts.
WITH last_ts AS (
    SELECT peripheral_id, MAX(ts) AS ts FROM peripheral_states GROUP BY peripheral_id
)
SELECT
    peripheral_id,
    device_id,
    room_id,
    ts AS last_seen,
    kind,
    make,
    model,
    serial,
    firmware,
    connection,
    optional,
    error_count,
    fps,
    dropped_frames_pct,
    snr_db,
    noise_floor_db,
    volume_pct,
    distortion_pct,
    signal_errors,
    touch_latency_ms,
    disk_free_pct
FROM (
    SELECT
        p.*,
        ROW_NUMBER() OVER (PARTITION BY p.peripheral_id ORDER BY p.event_id DESC) AS tie
    FROM peripheral_states AS p
    JOIN last_ts AS l ON l.peripheral_id = p.peripheral_id AND l.ts = p.ts
) AS latest
WHERE tie = 1
