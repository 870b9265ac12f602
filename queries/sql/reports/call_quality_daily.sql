-- call_quality_daily: one row per room and local date with meetings (docs/reports.md).
--
-- Every meeting is a call and belongs to the local date on which it starts, in its room's time
-- zone (rooms.csv); a room missing from the directory is reported under its room_id in UTC.
--   calls                  meetings that start that date
--   poor_calls             of them, those with packet_loss_pct > 10 or jitter_ms > 30 or
--                          rtt_ms > 500 (Microsoft Call Quality Dashboard's poor audio stream)
--   poor_call_pct          100 * poor_calls / calls
--   avg_packet_loss_pct, avg_jitter_ms, avg_rtt_ms   plain means over the calls (each call
--                          weighs one, whatever its length)
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * A meeting is its latest event by `ts`, ties broken by the greater `event_id` (the wire
--   contract's rule); a duplicate or resent event counts once with the latest values.
-- * The thresholds are strict: a call at exactly 10 % loss, 30 ms jitter or 500 ms RTT is not poor.
-- * Pruning as in usage_daily: meetings starting on local dates from..to have `ts` (their end)
--   on UTC dates from-1 .. to+2; the scan reads from-2 .. to+3.
--
-- Parameters: $from_date, $to_date (DATE, inclusive). Functions: local_date(ts, tz).
WITH meeting_versions AS (
    SELECT
        meeting_id,
        room_id,
        start,
        packet_loss_pct,
        jitter_ms,
        rtt_ms,
        ROW_NUMBER() OVER (PARTITION BY meeting_id ORDER BY ts DESC, event_id DESC) AS version_rank
    FROM meetings
    WHERE date BETWEEN CAST($from_date AS DATE) - 2 AND CAST($to_date AS DATE) + 3
),
calls AS (
    SELECT
        mv.room_id,
        local_date(mv.start, COALESCE(r.timezone, 'UTC')) AS local_day,
        CASE
            WHEN mv.packet_loss_pct > 10 OR mv.jitter_ms > 30 OR mv.rtt_ms > 500 THEN 1
            ELSE 0
        END AS poor,
        mv.packet_loss_pct,
        mv.jitter_ms,
        mv.rtt_ms
    FROM meeting_versions AS mv
    LEFT JOIN rooms AS r ON r.room_id = mv.room_id
    WHERE mv.version_rank = 1
)
SELECT
    room_id,
    local_day AS "date",
    COUNT(*) AS calls,
    SUM(poor) AS poor_calls,
    100.0 * CAST(SUM(poor) AS DOUBLE) / CAST(COUNT(*) AS DOUBLE) AS poor_call_pct,
    AVG(packet_loss_pct) AS avg_packet_loss_pct,
    AVG(jitter_ms) AS avg_jitter_ms,
    AVG(rtt_ms) AS avg_rtt_ms
FROM calls
WHERE local_day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
GROUP BY room_id, local_day
ORDER BY room_id, local_day
