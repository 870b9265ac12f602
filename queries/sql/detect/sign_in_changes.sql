-- Each room system's Teams sign-in changes: the first heartbeat and every heartbeat whose
-- `teams_signed_in` differs from the one before. Dates `$from_date` … `$to_date`.
WITH h AS (
  SELECT
    device_id,
    room_id,
    ts,
    teams_signed_in,
    LAG(teams_signed_in) OVER (PARTITION BY device_id ORDER BY ts) AS prev
  FROM heartbeats
  WHERE date BETWEEN $from_date AND $to_date
)
SELECT device_id, room_id, ts, teams_signed_in
FROM h
WHERE prev IS NULL OR prev <> teams_signed_in
ORDER BY device_id, ts
