-- Every update step that failed or was rolled back, dates `$from_date` … `$to_date`, with the
-- number of distinct failed steps (`update_id`s) for the same target and version up to and
-- including it (a second step makes the incident critical). Two events of one step (a `failed`
-- then a `rolled_back`, or a resend) are one failed step.
WITH failures AS (
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
    event_id,
    ROW_NUMBER() OVER (
      PARTITION BY target_id, to_version, update_id ORDER BY ts, event_id
    ) AS event_of_step
  FROM updates
  WHERE date BETWEEN $from_date AND $to_date
    AND status IN ('failed', 'rolled_back')
)
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
  SUM(CASE WHEN event_of_step = 1 THEN 1 ELSE 0 END) OVER (
    PARTITION BY target_id, to_version ORDER BY ts, event_id
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  ) AS failures_so_far
FROM failures
ORDER BY target_id, ts
