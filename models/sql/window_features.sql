-- Per peripheral and fixed window (`{window_secs}` seconds, substituted before planning; aligned
-- to the epoch): how many states it reported and how many while connected, how often it dropped out, how many errors
-- it logged (error_count is cumulative since the last connect or reboot: a fall is a reset, so
-- the errors after a reset are the new value), and the mean of each quality metric.
-- Rows come from dates `$from_date` … `$to_date` (UTC, inclusive).
WITH s AS (
  SELECT
    peripheral_id, device_id, room_id, kind, make, model, firmware, ts, connection, error_count,
    fps, dropped_frames_pct, snr_db, noise_floor_db, distortion_pct, signal_errors,
    touch_latency_ms,
    LAG(error_count) OVER (PARTITION BY peripheral_id ORDER BY ts) AS prev_errors,
    LAG(connection) OVER (PARTITION BY peripheral_id ORDER BY ts) AS prev_connection
  FROM peripheral_states
  WHERE date BETWEEN $from_date AND $to_date
)
SELECT
  peripheral_id,
  device_id,
  room_id,
  kind,
  make,
  model,
  firmware,
  date_bin(INTERVAL '{window_secs} seconds', ts) AS window_start,
  COUNT(*) AS reports,
  SUM(CASE WHEN connection = 'connected' THEN 1 ELSE 0 END) AS connected_reports,
  SUM(CASE WHEN connection = 'disconnected'
            AND (prev_connection IS NULL OR prev_connection = 'connected') THEN 1 ELSE 0 END)
    AS disconnects,
  SUM(CASE WHEN prev_errors IS NULL THEN 0
           WHEN error_count >= prev_errors THEN error_count - prev_errors
           ELSE error_count END) AS errors,
  AVG(fps) AS fps,
  AVG(dropped_frames_pct) AS dropped_frames_pct,
  AVG(snr_db) AS snr_db,
  AVG(noise_floor_db) AS noise_floor_db,
  AVG(distortion_pct) AS distortion_pct,
  AVG(signal_errors) AS signal_errors,
  AVG(touch_latency_ms) AS touch_latency_ms
FROM s
GROUP BY peripheral_id, device_id, room_id, kind, make, model, firmware, window_start
ORDER BY peripheral_id, window_start
