-- health_overview: as of $as_of, one row per room (docs/reports.md): every room of the directory
-- and every room_id seen in telemetry up to the moment.
--
-- A snapshot sees the events (and incident events) whose time is at or before $as_of. Status,
-- the first that applies:
--   maintenance inside a room-wide maintenance window (no device_id, no kind):
--              "from" <= $as_of < "to" in maintenance_windows (as the window stands now,
--              so a window ended early stops at its end); implicit update windows do not count
--   offline    no heartbeat of the room in the 10 minutes before the moment
--              (ts in [$as_of - 10 min, $as_of])
--   critical   a non-optional peripheral whose latest state is `disconnected`, or the room's
--              latest heartbeat signed out of Teams, or an open critical incident
--   warning    an optional peripheral whose latest state is `disconnected`, an open warning
--              incident, or a `failed` update event in the last 24 h
--   healthy    none of these
-- Only peripherals that reported in the 24 h before the moment ([$as_of - 24 h, $as_of]) count,
-- so a replaced one drops out; a peripheral belongs to the room of its latest event.
--   reasons          the codes that made the status, `;`-separated, in this order:
--                    `maintenance:<window_id>` (maintenance; by window_id);
--                    `no_heartbeat` (offline);
--                    `peripheral_disconnected:<kind>` (one per kind, by kind);
--                    `teams_signed_out`;
--                    `incident:<incident_id>` (by incident_id);
--                    `update_failed:<component>` (one per component, by component).
--                    Only the codes of the status's own level are listed: a critical room does
--                    not list its warnings; a healthy room's reasons are empty ('').
--   open_incidents   incidents of the room whose state as of the moment is `open`, any severity
--   last_heartbeat   the room's latest heartbeat ts up to the moment (null if none)
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * The window edges are inclusive: a heartbeat exactly 10 minutes old still counts.
-- * A room with several room systems: any heartbeat of any of them keeps it online; the
--   sign-in flag is that of the room's latest heartbeat.
-- * An incident's state as of the moment is that of its latest event (highest seq) with
--   event_at at or before the moment; its room is the incident's room_id.
-- * "A failed update in the last 24 h" is an update event with status `failed` in
--   [$as_of - 24 h, $as_of] of the room, even if a later attempt succeeded.
-- * Rooms "seen in telemetry" are room_ids of any telemetry table's events up to the moment.
-- * health_overview_summary.sql repeats this query and counts its rows; a test keeps the two
--   in step.
--
-- Parameters: $as_of (TIMESTAMP, UTC).
WITH seen_rooms AS (
    SELECT room_id FROM heartbeats WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION
    SELECT room_id FROM peripheral_states WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION
    SELECT room_id FROM meetings WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION
    SELECT room_id FROM bookings WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION
    SELECT room_id FROM updates WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION
    SELECT room_id FROM enrollments WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION
    SELECT room_id FROM logs WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
),
reported_rooms AS (
    SELECT room_id, name AS room_name, site FROM rooms
    UNION ALL
    SELECT s.room_id, CAST(NULL AS VARCHAR) AS room_name, CAST(NULL AS VARCHAR) AS site
    FROM seen_rooms AS s
    LEFT JOIN rooms AS r ON r.room_id = s.room_id
    WHERE r.room_id IS NULL
),
last_heartbeats AS (
    SELECT room_id, MAX(ts) AS last_heartbeat
    FROM heartbeats
    WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    GROUP BY room_id
),
recent_heartbeats AS (
    SELECT room_id, teams_signed_in
    FROM (
        SELECT
            room_id,
            teams_signed_in,
            ROW_NUMBER() OVER (PARTITION BY room_id ORDER BY ts DESC, event_id DESC) AS recency
        FROM heartbeats
        WHERE date BETWEEN CAST($as_of AS DATE) - 1 AND CAST($as_of AS DATE)
            AND ts >= $as_of - INTERVAL '10 minutes' AND ts <= $as_of
    ) AS ranked
    WHERE recency = 1
),
peripheral_latest AS (
    SELECT room_id, kind, optional, connection
    FROM (
        SELECT
            room_id,
            kind,
            optional,
            connection,
            ROW_NUMBER() OVER (PARTITION BY peripheral_id ORDER BY ts DESC, event_id DESC) AS recency
        FROM peripheral_states
        WHERE date BETWEEN CAST($as_of AS DATE) - 1 AND CAST($as_of AS DATE)
            AND ts >= $as_of - INTERVAL '24 hours' AND ts <= $as_of
    ) AS ranked
    WHERE recency = 1
),
incident_states AS (
    SELECT incident_id, room_id, severity, state
    FROM (
        SELECT
            incident_id,
            room_id,
            severity,
            state,
            ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY seq DESC) AS recency
        FROM incident_events
        WHERE event_at <= $as_of
    ) AS ranked
    WHERE recency = 1
),
open_incidents AS (
    SELECT room_id, incident_id, severity FROM incident_states WHERE state = 'open'
),
-- Every finding: the level it raises a room to (2 critical, 1 warning), the order of its code
-- within the reasons, and the code.
findings AS (
    SELECT DISTINCT
        room_id,
        CASE WHEN optional THEN 1 ELSE 2 END AS level,
        1 AS code_order,
        'peripheral_disconnected:' || kind AS code
    FROM peripheral_latest
    WHERE connection = 'disconnected'
    UNION ALL
    SELECT room_id, 2 AS level, 2 AS code_order, 'teams_signed_out' AS code
    FROM recent_heartbeats
    WHERE NOT teams_signed_in
    UNION ALL
    SELECT room_id, CASE WHEN severity = 'critical' THEN 2 ELSE 1 END AS level, 3 AS code_order, 'incident:' || incident_id AS code
    FROM open_incidents
    UNION ALL
    SELECT DISTINCT room_id, 1 AS level, 4 AS code_order, 'update_failed:' || component AS code
    FROM updates
    WHERE date BETWEEN CAST($as_of AS DATE) - 1 AND CAST($as_of AS DATE)
        AND status = 'failed' AND ts >= $as_of - INTERVAL '24 hours' AND ts <= $as_of
),
room_levels AS (
    SELECT room_id, MAX(level) AS level FROM findings GROUP BY room_id
),
room_reasons AS (
    SELECT f.room_id, string_agg(f.code, ';' ORDER BY f.code_order, f.code) AS reasons
    FROM findings AS f
    JOIN room_levels AS l ON l.room_id = f.room_id AND l.level = f.level
    GROUP BY f.room_id
),
incident_counts AS (
    SELECT room_id, COUNT(*) AS open_incidents FROM open_incidents GROUP BY room_id
),
room_maintenance AS (
    SELECT room_id, string_agg('maintenance:' || window_id, ';' ORDER BY window_id) AS reasons
    FROM maintenance_windows
    WHERE device_id IS NULL AND kind IS NULL AND "from" <= $as_of AND "to" > $as_of
    GROUP BY room_id
)
SELECT
    rr.room_id,
    rr.room_name,
    rr.site,
    CASE
        WHEN rm.room_id IS NOT NULL THEN 'maintenance'
        WHEN rh.room_id IS NULL THEN 'offline'
        WHEN rl.level = 2 THEN 'critical'
        WHEN rl.level = 1 THEN 'warning'
        ELSE 'healthy'
    END AS status,
    CASE
        WHEN rm.room_id IS NOT NULL THEN rm.reasons
        WHEN rh.room_id IS NULL THEN 'no_heartbeat'
        ELSE COALESCE(rs.reasons, '')
    END AS reasons,
    COALESCE(ic.open_incidents, 0) AS open_incidents,
    lh.last_heartbeat
FROM reported_rooms AS rr
LEFT JOIN recent_heartbeats AS rh ON rh.room_id = rr.room_id
LEFT JOIN room_levels AS rl ON rl.room_id = rr.room_id
LEFT JOIN room_reasons AS rs ON rs.room_id = rr.room_id
LEFT JOIN incident_counts AS ic ON ic.room_id = rr.room_id
LEFT JOIN last_heartbeats AS lh ON lh.room_id = rr.room_id
LEFT JOIN room_maintenance AS rm ON rm.room_id = rr.room_id
ORDER BY rr.room_id
