-- Each peripheral's connection changes: its first state and every state whose `connection`
-- differs from the one before, with whether the peripheral is optional. Dates `$from_date` …
-- `$to_date`.
WITH s AS (
  SELECT
    peripheral_id,
    device_id,
    room_id,
    kind,
    optional,
    ts,
    connection,
    LAG(connection) OVER (PARTITION BY peripheral_id ORDER BY ts) AS prev
  FROM peripheral_states
  WHERE date BETWEEN $from_date AND $to_date
)
SELECT peripheral_id, device_id, room_id, kind, optional, ts, connection
FROM s
WHERE prev IS NULL OR prev <> connection
ORDER BY peripheral_id, ts
