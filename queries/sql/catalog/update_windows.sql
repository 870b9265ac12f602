-- update_windows: the implicit maintenance window of every update step (incidents.md: "an
-- update in progress is an implicit window for its target"), one row per update_id that has a
-- `started` event.
--   window_id      'update:' || update_id
--   room_id, device_id   the room and room system of the step's (first) `started` event
--   target_id, component, to_version   as that event says
--   from           the `started` event's ts
--   to             the first `succeeded`, `failed` or `rolled_back` event of the step at or
--                  after `from`, plus 10 minutes (peripherals re-enumerate, room systems
--                  restart); `from` + 2 hours when the step has no such event
-- Which incidents a window silences depends on the component (effective_maintenance_windows).
WITH started AS (
    SELECT update_id, room_id, device_id, target_id, component, to_version, ts
    FROM (
        SELECT
            update_id,
            room_id,
            device_id,
            target_id,
            component,
            to_version,
            ts,
            row_number() OVER (PARTITION BY update_id ORDER BY ts, event_id) AS rn
        FROM updates
        WHERE status = 'started'
    )
    WHERE rn = 1
),
ended AS (
    SELECT s.update_id, MIN(u.ts) AS ts
    FROM started AS s
    JOIN updates AS u
        ON u.update_id = s.update_id
        AND u.status IN ('succeeded', 'failed', 'rolled_back')
        AND u.ts >= s.ts
    GROUP BY s.update_id
)
SELECT
    'update:' || s.update_id AS window_id,
    s.room_id,
    s.device_id,
    s.target_id,
    s.component,
    s.to_version,
    s.ts AS "from",
    CASE
        WHEN e.ts IS NULL THEN s.ts + INTERVAL '2 hours'
        ELSE e.ts + INTERVAL '10 minutes'
    END AS "to"
FROM started AS s
LEFT JOIN ended AS e ON e.update_id = s.update_id
