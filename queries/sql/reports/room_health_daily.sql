-- room_health_daily: one row per room and local date, every date from $from_date to $to_date,
-- zeros included (docs/reports.md): was the room healthy that day, by the published measure of a
-- managed meeting-rooms service (open tickets affected it for at most 20 minutes between
-- 05:00 and 21:00 local time)?
--
-- An incident's open segments: its events ordered by seq; each event starts a segment that ends
-- at the next event's event_at (the last one runs on, with no end). A segment is open when the
-- event that starts it leaves the incident in state `open`, and its severity is that event's.
-- An incident affects its room (room_id) during its open segments of severity `critical`,
-- whatever its kind and origin.
--   window_minutes     length of [05:00, 21:00) local wall-clock time of that date, turned into
--                      an exact UTC window per room and date (960, or the real length when a
--                      DST change falls inside it)
--   affected_minutes   window minutes covered by the union of the room's critical open
--                      segments (overlaps count once) and not covered by the union of the
--                      room's maintenance windows, |A \ M|, rounded down
--   healthy            affected_minutes <= 20
--   incidents          distinct incidents with a critical open segment overlapping the window
--                      (by a positive length)
-- Unions are exact, as in utilization_daily: spans in microseconds, sorted by start, each adding
-- only what lies beyond the furthest end before it (a running MAX window).
--
-- Maintenance windows: M is the union of the room's windows of the `maintenance_windows` view
-- (room_id = the room: windows for the whole room and windows naming one of its devices, of any
-- kind; a window ended early ends at its moved `to`), clipped to the health window. The spans are
-- labelled by set (`span_set`): with A the critical segments, |A \ M| = |A ∪ M| - |M|, so
-- `spans` carries the sets 'maintenance' (M) and 'affected_or_maintenance' (A and M together),
-- each unioned on its own, and `measured` takes their difference, never below 0 (with no
-- window, M is empty and this is |A|).
-- Only explicit windows are subtracted, not the implicit windows of updates in progress
-- (`update_windows`): those already keep detection from opening the incidents they silence,
-- and a critical incident that opens anyway during an update (update_failed, or a condition
-- that outlasts the window) is an outage people live with; a failed update must count.
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * Rooms: every room of the directory, plus every room_id with a telemetry event on a UTC date
--   of the range, or with a critical open segment overlapping the range's windows; a room
--   missing from the directory is reported in UTC.
-- * An incident still open (its last event leaves it open) affects its room until the end of
--   every later window: the report does not know when it will be fixed.
-- * Only segments of the `incidents/events` history count; an incident's room is the room_id of
--   the event that starts the segment.
--
-- Parameters: $from_date, $to_date (DATE). Functions: utc_from_local(local_ts, tz).
WITH directory AS (
    SELECT room_id, timezone FROM rooms
),
days AS (
    SELECT CAST(series.d AS DATE) AS local_day
    FROM (
        SELECT unnest(generate_series(CAST($from_date AS DATE), CAST($to_date AS DATE), INTERVAL '1 day')) AS d
    ) AS series
),
segments AS (
    SELECT
        incident_id,
        room_id,
        state,
        severity,
        event_at AS segment_start,
        LEAD(event_at) OVER (PARTITION BY incident_id ORDER BY seq) AS segment_end
    FROM incident_events
),
critical_segments AS (
    SELECT incident_id, room_id, segment_start, segment_end
    FROM segments
    WHERE state = 'open' AND severity = 'critical'
        AND (segment_end IS NULL OR segment_end > segment_start)
),
seen AS (
    SELECT room_id FROM heartbeats WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM peripheral_states WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM meetings WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM bookings WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM updates WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM enrollments WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM logs WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    -- the UTC windows of the range, for a room not in the directory: from 05:00 UTC on the
    -- first date to 21:00 UTC on the last
    SELECT room_id FROM critical_segments
    WHERE segment_start < utc_from_local(
            to_timestamp_seconds(CAST(date_part('epoch', CAST(CAST($to_date AS DATE) AS TIMESTAMP)) AS BIGINT) + 21 * 3600),
            'UTC')
        AND (segment_end IS NULL OR segment_end > utc_from_local(
            to_timestamp_seconds(CAST(date_part('epoch', CAST(CAST($from_date AS DATE) AS TIMESTAMP)) AS BIGINT) + 5 * 3600),
            'UTC'))
),
reported_rooms AS (
    SELECT room_id, timezone FROM directory
    UNION ALL
    SELECT s.room_id, 'UTC' AS timezone
    FROM seen AS s
    LEFT JOIN directory AS d ON d.room_id = s.room_id
    WHERE d.room_id IS NULL
),
room_days AS (
    SELECT
        rr.room_id,
        dd.local_day,
        utc_from_local(
            to_timestamp_seconds(CAST(date_part('epoch', CAST(dd.local_day AS TIMESTAMP)) AS BIGINT) + 5 * 3600),
            rr.timezone
        ) AS window_start,
        utc_from_local(
            to_timestamp_seconds(CAST(date_part('epoch', CAST(dd.local_day AS TIMESTAMP)) AS BIGINT) + 21 * 3600),
            rr.timezone
        ) AS window_end
    FROM reported_rooms AS rr
    CROSS JOIN days AS dd
),
critical_spans AS (
    SELECT
        rd.room_id,
        rd.local_day,
        cs.incident_id,
        GREATEST(cs.segment_start, rd.window_start) AS span_start,
        CASE
            WHEN cs.segment_end IS NULL THEN rd.window_end
            ELSE LEAST(cs.segment_end, rd.window_end)
        END AS span_end
    FROM critical_segments AS cs
    JOIN room_days AS rd
        ON rd.room_id = cs.room_id
        AND cs.segment_start < rd.window_end
        AND (cs.segment_end IS NULL OR cs.segment_end > rd.window_start)
),
maintenance_spans AS (
    SELECT
        rd.room_id,
        rd.local_day,
        GREATEST(mw."from", rd.window_start) AS span_start,
        LEAST(mw."to", rd.window_end) AS span_end
    FROM maintenance_windows AS mw
    JOIN room_days AS rd
        ON rd.room_id = mw.room_id
        AND mw."from" < rd.window_end
        AND mw."to" > rd.window_start
        AND mw."to" > mw."from"
),
spans AS (
    SELECT room_id, local_day, 'maintenance' AS span_set, span_start, span_end FROM maintenance_spans
    UNION ALL
    SELECT room_id, local_day, 'affected_or_maintenance' AS span_set, span_start, span_end FROM critical_spans
    UNION ALL
    SELECT room_id, local_day, 'affected_or_maintenance' AS span_set, span_start, span_end FROM maintenance_spans
),
spans_ordered AS (
    SELECT
        room_id,
        local_day,
        span_set,
        start_us,
        end_us,
        MAX(end_us) OVER (
            PARTITION BY room_id, local_day, span_set
            ORDER BY start_us, end_us
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS covered_until
    FROM (
        SELECT
            room_id,
            local_day,
            span_set,
            ROUND(date_part('epoch', span_start) * 1000000) AS start_us,
            ROUND(date_part('epoch', span_end) * 1000000) AS end_us
        FROM spans
    ) AS spans_us
),
coverage AS (
    SELECT
        room_id,
        local_day,
        SUM(CASE WHEN span_set = 'maintenance' THEN added_us ELSE 0 END) AS maintenance_us,
        SUM(CASE WHEN span_set = 'affected_or_maintenance' THEN added_us ELSE 0 END) AS either_us
    FROM (
        SELECT
            room_id,
            local_day,
            span_set,
            GREATEST(0, end_us - GREATEST(start_us, COALESCE(covered_until, start_us))) AS added_us
        FROM spans_ordered
    ) AS added
    GROUP BY room_id, local_day
),
incident_counts AS (
    SELECT room_id, local_day, COUNT(DISTINCT incident_id) AS incidents
    FROM critical_spans
    GROUP BY room_id, local_day
),
measured AS (
    SELECT
        rd.room_id,
        rd.local_day,
        CAST(FLOOR(ROUND((date_part('epoch', rd.window_end) - date_part('epoch', rd.window_start)) * 1000000) / 60000000) AS BIGINT) AS window_minutes,
        -- |A \ M| = |A ∪ M| - |M|; without a maintenance window that is |A|
        CAST(FLOOR(GREATEST(0, COALESCE(c.either_us, 0) - COALESCE(c.maintenance_us, 0)) / 60000000) AS BIGINT) AS affected_minutes,
        COALESCE(ic.incidents, 0) AS incidents
    FROM room_days AS rd
    LEFT JOIN coverage AS c ON c.room_id = rd.room_id AND c.local_day = rd.local_day
    LEFT JOIN incident_counts AS ic ON ic.room_id = rd.room_id AND ic.local_day = rd.local_day
)
SELECT
    room_id,
    local_day AS "date",
    window_minutes,
    affected_minutes,
    affected_minutes <= 20 AS healthy,
    incidents
FROM measured
ORDER BY room_id, local_day
