-- device_reliability_daily: one row per room system and local date on which it was enrolled
-- (docs/reports.md), for the local dates $from_date..$to_date.
--
-- Enrolled periods run from an `enrolled` event to the next `unenrolled` one of the same
-- device ([enrolled, unenrolled), open-ended when none follows); a device with no enrollment
-- event gets no rows. Local dates are in the time zone (rooms.csv) of the room named by the
-- `enrolled` event that opened the period; UTC for a room missing from the directory.
--   expected_minutes        the clock minutes of that local date that overlap its enrolled
--                           periods (1380 or 1500 on a DST change day; with whole-minute
--                           enrollment times, the exact length of the enrolled part)
--   online_minutes          distinct minutes (heartbeat ts truncated to the minute) with a
--                           heartbeat whose exact ts lies inside an enrolled period
--   availability_pct        100 * online_minutes / expected_minutes
--   reboots                 heartbeats inside an enrolled period whose uptime_s is lower than
--                           that of the device's previous heartbeat (by ts, then event_id)
--   signed_out_minutes      distinct heartbeat minutes inside an enrolled period with
--                           teams_signed_in = false
--   peripheral_disconnects  the device's peripheral events inside an enrolled period that are
--                           `disconnected` while the peripheral's previous event (by ts, then
--                           event_id) was `connected`; an `unknown` in between breaks the chain
--   incidents_opened        incidents (their current state in `incidents`) of this device or
--                           its peripherals whose opened_at falls on that local date
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * A second `enrolled` before any `unenrolled` does not start a new period (the periods of
--   both events end at the same `unenrolled`; their union is the first one's). An `unenrolled`
--   with no open period is ignored. An open period runs to the end of the range.
-- * Rows are keyed by device, room and date: a device re-enrolled in another room on the same
--   local date gets one row per room.
-- * reboots and peripheral_disconnects, like the minutes, count only events inside an enrolled
--   period (the row describes the device while under management); "previous" looks at every
--   event of the device (or peripheral) whatever its enrollment, from 7 days before the range
--   on: a reboot after an outage longer than that is missed.
-- * Minutes are whole clock minutes, like online_minutes: a period from 09:15:30 to 10:00:00
--   expects the 45 minutes 09:15 .. 09:59 (not 44.5), because a heartbeat at 09:15:45 is inside
--   it and puts 09:15 online; so availability_pct never exceeds 100. (An unenrollment and a
--   re-enrollment within the same clock minute count that minute twice.)
-- * incidents_opened counts by the incident's opened_at date alone, inside or outside the
--   enrolled part of the date, for every origin (system or customer).
-- * Duplicate event_ids are removed at ingest and by compaction (the lake's guarantee); a
--   duplicated heartbeat would count once anyway (distinct minutes, equal uptime).
-- * Pruning: a local date lies within UTC dates date-1 .. date+1; heartbeats and peripheral
--   events are read from UTC date from-8 (the look-back) to to+1.
--
-- Parameters: $from_date, $to_date (DATE, inclusive). Functions: local_date(ts, tz),
-- utc_from_local(local_ts, tz).
WITH enrollment_events AS (
    SELECT
        device_id,
        room_id,
        ts,
        action,
        LAG(action) OVER (PARTITION BY device_id ORDER BY ts, event_id) AS previous_action,
        MIN(CASE WHEN action = 'unenrolled' THEN ts END) OVER (
            PARTITION BY device_id
            ORDER BY ts, event_id
            ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
        ) AS next_unenrolled
    FROM enrollments
    WHERE date <= CAST($to_date AS DATE) + 1
),
periods AS (
    SELECT
        e.device_id,
        e.room_id,
        COALESCE(r.timezone, 'UTC') AS tz,
        e.ts AS period_start,
        e.next_unenrolled AS period_end
    FROM enrollment_events AS e
    LEFT JOIN rooms AS r ON r.room_id = e.room_id
    WHERE e.action = 'enrolled'
        AND (e.previous_action IS NULL OR e.previous_action <> 'enrolled')
        AND (e.next_unenrolled IS NULL OR e.next_unenrolled > e.ts)
),
period_dates AS (
    SELECT device_id, room_id, tz, period_start, period_end, CAST(series.d AS DATE) AS local_day
    FROM (
        SELECT
            device_id,
            room_id,
            tz,
            period_start,
            period_end,
            unnest(generate_series(
                GREATEST(local_date(period_start, tz), CAST($from_date AS DATE)),
                LEAST(COALESCE(local_date(period_end, tz), CAST($to_date AS DATE)), CAST($to_date AS DATE)),
                INTERVAL '1 day'
            )) AS d
        FROM periods
        WHERE local_date(period_start, tz) <= CAST($to_date AS DATE)
            AND (period_end IS NULL OR local_date(period_end, tz) >= CAST($from_date AS DATE))
    ) AS series
),
-- The part of each local date inside each period: [piece_start, piece_end).
pieces AS (
    SELECT
        device_id,
        room_id,
        tz,
        local_day,
        GREATEST(period_start, day_start) AS piece_start,
        CASE WHEN period_end IS NULL OR period_end > day_end THEN day_end ELSE period_end END AS piece_end
    FROM (
        SELECT
            pd.*,
            utc_from_local(CAST(pd.local_day AS TIMESTAMP), pd.tz) AS day_start,
            utc_from_local(CAST(pd.local_day + 1 AS TIMESTAMP), pd.tz) AS day_end
        FROM period_dates AS pd
    ) AS bounded
),
device_days AS (
    SELECT
        device_id,
        room_id,
        tz,
        local_day,
        CAST(SUM(CEIL(date_part('epoch', piece_end) / 60) - FLOOR(date_part('epoch', piece_start) / 60)) AS BIGINT)
            AS expected_minutes
    FROM pieces
    WHERE piece_start < piece_end
    GROUP BY device_id, room_id, tz, local_day
),
device_zones AS (
    SELECT DISTINCT device_id, tz FROM pieces
),
heartbeat_facts AS (
    SELECT
        device_id,
        ts,
        date_trunc('minute', ts) AS minute,
        teams_signed_in,
        CASE
            WHEN uptime_s < LAG(uptime_s) OVER (PARTITION BY device_id ORDER BY ts, event_id) THEN 1
            ELSE 0
        END AS reboot
    FROM heartbeats
    WHERE date BETWEEN CAST($from_date AS DATE) - 8 AND CAST($to_date AS DATE) + 1
),
heartbeats_in AS (
    SELECT
        p.device_id,
        p.room_id,
        p.local_day,
        COUNT(DISTINCT h.minute) AS online_minutes,
        COUNT(DISTINCT CASE WHEN NOT h.teams_signed_in THEN h.minute END) AS signed_out_minutes,
        SUM(h.reboot) AS reboots
    FROM (
        SELECT hf.*, local_date(hf.ts, dz.tz) AS local_day, dz.tz
        FROM heartbeat_facts AS hf
        JOIN device_zones AS dz ON dz.device_id = hf.device_id
    ) AS h
    JOIN pieces AS p
        ON p.device_id = h.device_id AND p.tz = h.tz AND p.local_day = h.local_day
        AND h.ts >= p.piece_start AND h.ts < p.piece_end
    GROUP BY p.device_id, p.room_id, p.local_day
),
disconnect_facts AS (
    SELECT device_id, ts
    FROM (
        SELECT
            device_id,
            ts,
            connection,
            LAG(connection) OVER (PARTITION BY peripheral_id ORDER BY ts, event_id) AS previous_connection
        FROM peripheral_states
        WHERE date BETWEEN CAST($from_date AS DATE) - 8 AND CAST($to_date AS DATE) + 1
    ) AS chained
    WHERE connection = 'disconnected' AND previous_connection = 'connected'
),
disconnects_in AS (
    SELECT p.device_id, p.room_id, p.local_day, COUNT(*) AS peripheral_disconnects
    FROM (
        SELECT df.device_id, df.ts, local_date(df.ts, dz.tz) AS local_day, dz.tz
        FROM disconnect_facts AS df
        JOIN device_zones AS dz ON dz.device_id = df.device_id
    ) AS d
    JOIN pieces AS p
        ON p.device_id = d.device_id AND p.tz = d.tz AND p.local_day = d.local_day
        AND d.ts >= p.piece_start AND d.ts < p.piece_end
    GROUP BY p.device_id, p.room_id, p.local_day
),
incidents_in AS (
    SELECT dd.device_id, dd.room_id, dd.local_day, COUNT(*) AS incidents_opened
    FROM incidents AS i
    JOIN device_days AS dd
        ON dd.device_id = i.device_id AND dd.local_day = local_date(i.opened_at, dd.tz)
    GROUP BY dd.device_id, dd.room_id, dd.local_day
)
SELECT
    dd.device_id,
    dd.room_id,
    dd.local_day AS "date",
    dd.expected_minutes,
    COALESCE(h.online_minutes, 0) AS online_minutes,
    CASE
        WHEN dd.expected_minutes > 0
            THEN 100.0 * CAST(COALESCE(h.online_minutes, 0) AS DOUBLE) / CAST(dd.expected_minutes AS DOUBLE)
    END AS availability_pct,
    COALESCE(h.reboots, 0) AS reboots,
    COALESCE(h.signed_out_minutes, 0) AS signed_out_minutes,
    COALESCE(d.peripheral_disconnects, 0) AS peripheral_disconnects,
    COALESCE(i.incidents_opened, 0) AS incidents_opened
FROM device_days AS dd
LEFT JOIN heartbeats_in AS h
    ON h.device_id = dd.device_id AND h.room_id = dd.room_id AND h.local_day = dd.local_day
LEFT JOIN disconnects_in AS d
    ON d.device_id = dd.device_id AND d.room_id = dd.room_id AND d.local_day = dd.local_day
LEFT JOIN incidents_in AS i
    ON i.device_id = dd.device_id AND i.room_id = dd.room_id AND i.local_day = dd.local_day
WHERE dd.expected_minutes > 0
ORDER BY dd.device_id, dd.local_day, dd.room_id
