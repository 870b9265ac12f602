-- inventory: as of $as_of, one row per room system and one per peripheral (docs/reports.md); the
-- bulk export (CSV as well as Parquet).
--
-- A snapshot sees the events whose ts is at or before $as_of. A room system is a device_id
-- seen in any telemetry table; a peripheral a peripheral_id seen in peripheral_states.
--   item            `room_system` or `peripheral`
--   peripheral_id   the peripheral's id on peripheral rows, null on room-system rows
--   device_id       the room system; for a peripheral, the device named by its latest event
--   room_id         the room of the device's latest heartbeat or enrollment event, whichever is
--                   later (the greatest room_id of its events when it has neither); for a
--                   peripheral, the room of its latest event
--   room_name, site, country, room_group, ring   from rooms.csv (null for an unknown room)
--   platform        room system: of its latest heartbeat, else of its latest enrollment event
--   make, model, serial   room system: of its latest enrollment event; peripheral: of its
--                   latest event (serial may be null)
--   kind, firmware  peripheral: of its latest event; null for room systems
--   app_version, os_version   room system: of its latest heartbeat; null for peripherals
--   first_seen, last_seen     the first and latest ts of the item's events (for a room system,
--                   of any table; for a peripheral, of its peripheral events)
--   status          `unenrolled` if the device's latest enrollment event is `unenrolled`; else
--                   `active` if the device was seen in the 24 h before the moment
--                   (last_seen >= $as_of - 24 h); else `stale`. A peripheral takes its host
--                   device's status.
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * "Seen" means any event of the device in any telemetry table (heartbeat, peripheral,
--   meeting, booking, update, enrollment, log); a device never enrolled is listed and is
--   active or stale by that rule.
-- * Peripherals stay listed after they stop reporting (a replaced camera is `stale` only if
--   its host is); the inventory lists everything ever seen up to the moment.
-- * Latest means greatest ts; among events with the same ts, the greatest value of each
--   column is taken (such ties only come from one device sending two events at once).
-- * Rows are ordered by device_id, the room system first, then peripherals by peripheral_id.
--
-- Parameters: $as_of (TIMESTAMP, UTC).
WITH device_events AS (
    SELECT device_id, room_id, ts FROM heartbeats WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION ALL
    SELECT device_id, room_id, ts FROM peripheral_states WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION ALL
    SELECT device_id, room_id, ts FROM meetings WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION ALL
    SELECT device_id, room_id, ts FROM bookings WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION ALL
    SELECT device_id, room_id, ts FROM updates WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION ALL
    SELECT device_id, room_id, ts FROM enrollments WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    UNION ALL
    SELECT device_id, room_id, ts FROM logs WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
),
device_seen AS (
    SELECT device_id, MIN(ts) AS first_seen, MAX(ts) AS last_seen, MAX(room_id) AS any_room_id
    FROM device_events
    GROUP BY device_id
),
heartbeat_last_ts AS (
    SELECT device_id, MAX(ts) AS ts
    FROM heartbeats
    WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    GROUP BY device_id
),
heartbeat_last AS (
    SELECT
        h.device_id,
        MAX(h.ts) AS ts,
        MAX(h.room_id) AS room_id,
        MAX(h.platform) AS platform,
        MAX(h.app_version) AS app_version,
        MAX(h.os_version) AS os_version
    FROM heartbeats AS h
    JOIN heartbeat_last_ts AS l ON l.device_id = h.device_id AND l.ts = h.ts
    WHERE h.date <= CAST($as_of AS DATE)
    GROUP BY h.device_id
),
enrollment_last AS (
    SELECT device_id, ts, room_id, action, platform, make, model, serial
    FROM (
        SELECT
            device_id,
            ts,
            room_id,
            action,
            platform,
            make,
            model,
            serial,
            ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY ts DESC, event_id DESC) AS recency
        FROM enrollments
        WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    ) AS ranked
    WHERE recency = 1
),
devices AS (
    SELECT
        s.device_id,
        CASE
            WHEN h.ts IS NOT NULL AND (e.ts IS NULL OR h.ts >= e.ts) THEN h.room_id
            WHEN e.ts IS NOT NULL THEN e.room_id
            ELSE s.any_room_id
        END AS room_id,
        COALESCE(h.platform, e.platform) AS platform,
        e.make,
        e.model,
        e.serial,
        h.app_version,
        h.os_version,
        s.first_seen,
        s.last_seen,
        CASE
            WHEN e.action = 'unenrolled' THEN 'unenrolled'
            WHEN s.last_seen >= $as_of - INTERVAL '24 hours' THEN 'active'
            ELSE 'stale'
        END AS status
    FROM device_seen AS s
    LEFT JOIN heartbeat_last AS h ON h.device_id = s.device_id
    LEFT JOIN enrollment_last AS e ON e.device_id = s.device_id
),
peripheral_seen AS (
    SELECT peripheral_id, MIN(ts) AS first_seen, MAX(ts) AS last_seen
    FROM peripheral_states
    WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    GROUP BY peripheral_id
),
peripherals AS (
    SELECT
        p.peripheral_id,
        MAX(p.device_id) AS device_id,
        MAX(p.room_id) AS room_id,
        MAX(p.kind) AS kind,
        MAX(p.make) AS make,
        MAX(p.model) AS model,
        MAX(p.serial) AS serial,
        MAX(p.firmware) AS firmware,
        MAX(s.first_seen) AS first_seen,
        MAX(s.last_seen) AS last_seen
    FROM peripheral_states AS p
    JOIN peripheral_seen AS s ON s.peripheral_id = p.peripheral_id AND s.last_seen = p.ts
    WHERE p.date <= CAST($as_of AS DATE)
    GROUP BY p.peripheral_id
),
items AS (
    SELECT
        d.device_id,
        CAST(NULL AS VARCHAR) AS peripheral_id,
        d.room_id,
        'room_system' AS item,
        d.platform,
        CAST(NULL AS VARCHAR) AS kind,
        d.make,
        d.model,
        d.serial,
        CAST(NULL AS VARCHAR) AS firmware,
        d.app_version,
        d.os_version,
        d.first_seen,
        d.last_seen,
        d.status
    FROM devices AS d
    UNION ALL
    SELECT
        p.device_id,
        p.peripheral_id,
        p.room_id,
        'peripheral' AS item,
        CAST(NULL AS VARCHAR) AS platform,
        p.kind,
        p.make,
        p.model,
        p.serial,
        p.firmware,
        CAST(NULL AS VARCHAR) AS app_version,
        CAST(NULL AS VARCHAR) AS os_version,
        p.first_seen,
        p.last_seen,
        d.status
    FROM peripherals AS p
    LEFT JOIN devices AS d ON d.device_id = p.device_id
)
SELECT
    i.device_id,
    i.peripheral_id,
    i.room_id,
    r.name AS room_name,
    r.site,
    r.country,
    r.room_group,
    r.ring,
    i.item,
    i.platform,
    i.kind,
    i.make,
    i.model,
    i.serial,
    i.firmware,
    i.app_version,
    i.os_version,
    i.first_seen,
    i.last_seen,
    i.status
FROM items AS i
LEFT JOIN rooms AS r ON r.room_id = i.room_id
ORDER BY i.device_id, CASE WHEN i.item = 'room_system' THEN 0 ELSE 1 END, i.peripheral_id
