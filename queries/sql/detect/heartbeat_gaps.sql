-- Every silence of a room system: consecutive heartbeats further apart than `$min_gap_us`
-- microseconds (`last_seen` = the heartbeat before the silence, `back_at` = the one after), and
-- the last heartbeat of each system with `back_at` NULL. Dates `$from_date` … `$to_date`.
WITH h AS (
  SELECT
    device_id,
    room_id,
    ts,
    LEAD(ts) OVER (PARTITION BY device_id ORDER BY ts) AS next_ts
  FROM heartbeats
  WHERE date BETWEEN $from_date AND $to_date
)
SELECT device_id, room_id, ts AS last_seen, next_ts AS back_at
FROM h
WHERE next_ts IS NULL
   OR arrow_cast(next_ts, 'Int64') - arrow_cast(ts, 'Int64') >= $min_gap_us
ORDER BY device_id, last_seen
