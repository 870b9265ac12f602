-- maintenance_windows: every maintenance window as it stands, one row per window_id
-- (incidents.md "Maintenance windows"), from the append-only maintenance_window_events.
--   room_id, device_id, kind, from, reason, created_by, created_at   as the `created` event
--                  says (device_id: a room system or a peripheral, null for the whole room;
--                  kind: an incident kind, null for every kind)
--   to             the end, exclusive: the `created` event's, or the earliest `to` of its
--                  `ended` events when it was ended early
--   ended_at       when `roomsight maintenance end` ended it (null: it runs its course)
-- `from` and `to` are SQL keywords: quote them ("from", "to").
SELECT
    c.window_id,
    c.room_id,
    c.device_id,
    c.kind,
    c."from",
    CASE WHEN e."to" IS NOT NULL AND e."to" < c."to" THEN e."to" ELSE c."to" END AS "to",
    c.reason,
    c.created_by,
    c.created_at,
    e.ended_at
FROM (
    SELECT * EXCEPT (rn)
    FROM (
        SELECT *, row_number() OVER (PARTITION BY window_id ORDER BY event_at) AS rn
        FROM maintenance_window_events
        WHERE event = 'created'
    )
    WHERE rn = 1
) AS c
LEFT JOIN (
    SELECT window_id, MIN("to") AS "to", MIN(event_at) AS ended_at
    FROM maintenance_window_events
    WHERE event = 'ended'
    GROUP BY window_id
) AS e ON e.window_id = c.window_id
