-- Every update step that failed or was rolled back, dates `$from_date` … `$to_date`, with the
-- number of such steps for the same target and version up to and including it (a second one
-- makes the incident critical).
SELECT
  device_id,
  room_id,
  update_id,
  component,
  target_id,
  from_version,
  to_version,
  status,
  error,
  ts,
  COUNT(*) OVER (
    PARTITION BY target_id, to_version ORDER BY ts
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  ) AS failures_so_far
FROM updates
WHERE date BETWEEN $from_date AND $to_date
  AND status IN ('failed', 'rolled_back')
ORDER BY target_id, ts
