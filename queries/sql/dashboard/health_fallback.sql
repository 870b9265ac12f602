-- dashboard fallback when the `health_overview_summary` report is not available: rooms per
-- site and status as of $as_of, with the rules of health_overview that need only telemetry:
-- offline (no heartbeat in the 10 minutes before), critical (a non-optional peripheral whose
-- latest state in the last 24 h is disconnected, or the latest heartbeat signed out of Teams),
-- warning (an optional peripheral disconnected), else healthy. Incidents and failed updates,
-- which health_overview also counts, are left out.
WITH known AS (
    SELECT room_id, site FROM rooms
    UNION
    SELECT DISTINCT h.room_id, CAST(NULL AS VARCHAR) AS site
    FROM heartbeats AS h LEFT JOIN rooms AS r ON r.room_id = h.room_id
    WHERE r.room_id IS NULL
),
last_heartbeat AS (
    SELECT room_id, ts, teams_signed_in,
        ROW_NUMBER() OVER (PARTITION BY room_id ORDER BY ts DESC, event_id DESC) AS rank
    FROM heartbeats
    WHERE ts <= $as_of AND date >= CAST($as_of AS DATE) - 1
),
last_peripheral AS (
    SELECT room_id, peripheral_id, optional, connection,
        ROW_NUMBER() OVER (PARTITION BY peripheral_id ORDER BY ts DESC, event_id DESC) AS rank
    FROM peripheral_states
    WHERE ts <= $as_of AND ts > $as_of - INTERVAL '24 hours'
        AND date >= CAST($as_of AS DATE) - 2
),
peripheral_flags AS (
    SELECT
        room_id,
        MAX(CASE WHEN connection = 'disconnected' AND NOT optional THEN 1 ELSE 0 END) AS required_down,
        MAX(CASE WHEN connection = 'disconnected' AND optional THEN 1 ELSE 0 END) AS optional_down
    FROM last_peripheral
    WHERE rank = 1
    GROUP BY room_id
),
per_room AS (
    SELECT
        k.room_id,
        COALESCE(k.site, '(unknown site)') AS site,
        CASE
            WHEN h.ts IS NULL OR h.ts < $as_of - INTERVAL '10 minutes' THEN 'offline'
            WHEN NOT h.teams_signed_in OR p.required_down = 1 THEN 'critical'
            WHEN p.optional_down = 1 THEN 'warning'
            ELSE 'healthy'
        END AS status
    FROM known AS k
    LEFT JOIN last_heartbeat AS h ON h.room_id = k.room_id AND h.rank = 1
    LEFT JOIN peripheral_flags AS p ON p.room_id = k.room_id
)
SELECT site, status, COUNT(*) AS rooms
FROM per_room
GROUP BY site, status
ORDER BY site, status
