-- device_latest: the latest state of every room system, one row per device_id seen in
-- heartbeats or enrollments: its latest heartbeat (greatest ts, then greatest event_id) and its
-- latest enrollment event.
--   room_id              of the latest heartbeat, else of the latest enrollment event
--   last_heartbeat       ts of the latest heartbeat (null if it never sent one), with that
--                        heartbeat's platform, versions, sign-in flags, load and uptime
--   enrollment           `enrolled` or `unenrolled`: the action of the latest enrollment event
--                        (null if it never sent one); enrollment_ts its time
--   make, model, serial  of the latest enrollment event
WITH last_heartbeat_ts AS (
    SELECT device_id, MAX(ts) AS ts FROM heartbeats GROUP BY device_id
),
last_heartbeat AS (
    SELECT *
    FROM (
        SELECT
            h.device_id,
            h.room_id,
            h.ts,
            h.platform,
            h.app_version,
            h.os_version,
            h.teams_signed_in,
            h.exchange_signed_in,
            h.cpu_pct,
            h.mem_pct,
            h.temp_c,
            h.uptime_s,
            ROW_NUMBER() OVER (PARTITION BY h.device_id ORDER BY h.event_id DESC) AS tie
        FROM heartbeats AS h
        JOIN last_heartbeat_ts AS l ON l.device_id = h.device_id AND l.ts = h.ts
    ) AS latest
    WHERE tie = 1
),
last_enrollment AS (
    SELECT *
    FROM (
        SELECT
            device_id,
            room_id,
            ts,
            action,
            platform,
            make,
            model,
            serial,
            ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY ts DESC, event_id DESC) AS recency
        FROM enrollments
    ) AS ranked
    WHERE recency = 1
)
SELECT
    COALESCE(h.device_id, e.device_id) AS device_id,
    COALESCE(h.room_id, e.room_id) AS room_id,
    h.ts AS last_heartbeat,
    COALESCE(h.platform, e.platform) AS platform,
    h.app_version,
    h.os_version,
    h.teams_signed_in,
    h.exchange_signed_in,
    h.cpu_pct,
    h.mem_pct,
    h.temp_c,
    h.uptime_s,
    e.action AS enrollment,
    e.ts AS enrollment_ts,
    e.make,
    e.model,
    e.serial
FROM last_heartbeat AS h
FULL OUTER JOIN last_enrollment AS e ON e.device_id = h.device_id
