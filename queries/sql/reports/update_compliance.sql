-- update_compliance: as of $as_of, one row per `ring, component, line` (docs/reports.md).
--
-- A snapshot sees the events whose ts is at or before $as_of.
-- Lines: `teams_app` and `operating_system` per room-system platform (`line` = the platform,
-- e.g. `windows`); `firmware` per peripheral make and model (`line` = make || ' ' || model);
-- `admin_agent` and `partner_agent` one line each (`line` = the component).
--   ring            the ring in rooms.csv of the target's room (null for a room missing from it)
--   target_version  per component and line: the highest to_version of any `succeeded` update of
--                   a target of that line, in version order (version_key: dot-separated
--                   numbers, 1.10.0 > 1.9.3, missing parts 0, a non-numeric part as text);
--                   every succeeded update counts, whatever became of its target since
--   targets         room systems whose latest enrollment event is `enrolled`; for firmware
--                   their peripherals; for the agents only such room systems with update
--                   events of that agent
--   on_target       targets whose current version is at or past target_version; current
--                   version: teams_app the latest heartbeat's app_version, operating_system its
--                   os_version, firmware the peripheral's latest firmware, an agent the
--                   to_version of its latest `succeeded` update
--   on_target_pct   100 * on_target / targets (null with no targets)
--   failed_7d, rolled_back_7d   update events with that status and ts in [$as_of - 7 days,
--                   $as_of], under the ring of the event's room and the line of its target
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * A target's room (for its ring) is that of its device's latest enrollment event; a
--   peripheral's device is the one named by its latest event.
-- * A room system's platform (its line) is that of its latest heartbeat, else of its latest
--   enrollment event; a peripheral's make and model those of its latest event. An update whose
--   target is unknown (no such device or peripheral seen) has a null line.
-- * "At or past": a target ahead of the target version (installed without a succeeded update
--   event) is on target; versions equal in version order (1.2 and 1.2.0) are the same version.
--   With no succeeded update for a line there is no target version: none of its targets is
--   on target. No deployment pinning is read yet: the target is always the highest succeeded.
-- * A firmware target is every peripheral whose latest event names an enrolled room system,
--   however long ago it last reported.
-- * Update events are deduplicated by event_id here (cheap, and the counts depend on it).
-- * Rows: every ring, component and line with targets, or with update events up to the moment.
--
-- Parameters: $as_of (TIMESTAMP, UTC). Functions: version_key(v).
WITH update_events AS (
    SELECT DISTINCT event_id, ts, room_id, update_id, component, target_id, to_version, status
    FROM updates
    WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
),
enrollment_last AS (
    SELECT device_id, room_id, action, platform
    FROM (
        SELECT
            device_id,
            room_id,
            action,
            platform,
            ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY ts DESC, event_id DESC) AS recency
        FROM enrollments
        WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    ) AS ranked
    WHERE recency = 1
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
        MAX(h.platform) AS platform,
        MAX(h.app_version) AS app_version,
        MAX(h.os_version) AS os_version
    FROM heartbeats AS h
    JOIN heartbeat_last_ts AS l ON l.device_id = h.device_id AND l.ts = h.ts
    WHERE h.date <= CAST($as_of AS DATE)
    GROUP BY h.device_id
),
devices AS (
    SELECT
        COALESCE(e.device_id, h.device_id) AS device_id,
        e.room_id,
        e.action,
        COALESCE(h.platform, e.platform) AS platform,
        h.app_version,
        h.os_version
    FROM enrollment_last AS e
    FULL OUTER JOIN heartbeat_last AS h ON h.device_id = e.device_id
),
enrolled AS (
    SELECT d.device_id, d.platform, d.app_version, d.os_version, r.ring
    FROM devices AS d
    LEFT JOIN rooms AS r ON r.room_id = d.room_id
    WHERE d.action = 'enrolled'
),
peripheral_last_ts AS (
    SELECT peripheral_id, MAX(ts) AS ts
    FROM peripheral_states
    WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    GROUP BY peripheral_id
),
peripheral_last AS (
    SELECT
        p.peripheral_id,
        MAX(p.device_id) AS device_id,
        MAX(p.make) AS make,
        MAX(p.model) AS model,
        MAX(p.firmware) AS firmware
    FROM peripheral_states AS p
    JOIN peripheral_last_ts AS l ON l.peripheral_id = p.peripheral_id AND l.ts = p.ts
    WHERE p.date <= CAST($as_of AS DATE)
    GROUP BY p.peripheral_id
),
-- Every update event with the line of its target and the ring of its room.
update_lines AS (
    SELECT
        u.ts,
        u.component,
        u.target_id,
        u.to_version,
        u.status,
        u.event_id,
        r.ring,
        CASE
            WHEN u.component IN ('teams_app', 'operating_system') THEN d.platform
            WHEN u.component = 'firmware' THEN p.make || ' ' || p.model
            ELSE u.component
        END AS line
    FROM update_events AS u
    LEFT JOIN rooms AS r ON r.room_id = u.room_id
    LEFT JOIN devices AS d ON d.device_id = u.target_id
    LEFT JOIN peripheral_last AS p ON p.peripheral_id = u.target_id
),
target_versions AS (
    SELECT component, line, to_version AS target_version
    FROM (
        SELECT
            component,
            line,
            to_version,
            ROW_NUMBER() OVER (
                PARTITION BY component, line
                ORDER BY version_key(to_version) DESC, to_version DESC
            ) AS highest
        FROM update_lines
        WHERE status = 'succeeded'
    ) AS ranked
    WHERE highest = 1
),
agent_versions AS (
    SELECT component, target_id, to_version AS current_version
    FROM (
        SELECT
            component,
            target_id,
            to_version,
            status,
            ROW_NUMBER() OVER (PARTITION BY component, target_id ORDER BY ts DESC, event_id DESC) AS recency
        FROM update_events
        WHERE component IN ('admin_agent', 'partner_agent') AND status = 'succeeded'
    ) AS ranked
    WHERE recency = 1
),
agent_targets AS (
    SELECT DISTINCT component, target_id
    FROM update_events
    WHERE component IN ('admin_agent', 'partner_agent')
),
targets AS (
    SELECT ring, 'teams_app' AS component, platform AS line, device_id AS target_id, app_version AS current_version
    FROM enrolled
    UNION ALL
    SELECT ring, 'operating_system' AS component, platform AS line, device_id AS target_id, os_version AS current_version
    FROM enrolled
    UNION ALL
    SELECT e.ring, 'firmware' AS component, p.make || ' ' || p.model AS line, p.peripheral_id AS target_id, p.firmware AS current_version
    FROM peripheral_last AS p
    JOIN enrolled AS e ON e.device_id = p.device_id
    UNION ALL
    SELECT e.ring, a.component, a.component AS line, e.device_id AS target_id, v.current_version
    FROM agent_targets AS a
    JOIN enrolled AS e ON e.device_id = a.target_id
    LEFT JOIN agent_versions AS v ON v.component = a.component AND v.target_id = a.target_id
),
target_counts AS (
    SELECT
        t.ring,
        t.component,
        t.line,
        COUNT(*) AS targets,
        SUM(
            CASE
                WHEN tv.target_version IS NOT NULL AND t.current_version IS NOT NULL
                    AND version_key(t.current_version) >= version_key(tv.target_version)
                    THEN 1
                ELSE 0
            END
        ) AS on_target
    FROM targets AS t
    LEFT JOIN target_versions AS tv ON tv.component = t.component AND tv.line = t.line
    GROUP BY t.ring, t.component, t.line
),
event_counts AS (
    SELECT
        ring,
        component,
        line,
        SUM(CASE WHEN status = 'failed' AND ts >= $as_of - INTERVAL '7 days' THEN 1 ELSE 0 END) AS failed_7d,
        SUM(CASE WHEN status = 'rolled_back' AND ts >= $as_of - INTERVAL '7 days' THEN 1 ELSE 0 END) AS rolled_back_7d
    FROM update_lines
    GROUP BY ring, component, line
),
keys AS (
    SELECT ring, component, line FROM target_counts
    UNION
    SELECT ring, component, line FROM event_counts
)
SELECT
    k.ring,
    k.component,
    k.line,
    tv.target_version,
    COALESCE(tc.targets, 0) AS targets,
    COALESCE(tc.on_target, 0) AS on_target,
    CASE
        WHEN tc.targets > 0 THEN 100.0 * CAST(tc.on_target AS DOUBLE) / CAST(tc.targets AS DOUBLE)
    END AS on_target_pct,
    COALESCE(ec.failed_7d, 0) AS failed_7d,
    COALESCE(ec.rolled_back_7d, 0) AS rolled_back_7d
FROM keys AS k
LEFT JOIN target_versions AS tv
    ON tv.component = k.component AND (tv.line IS NOT DISTINCT FROM k.line)
LEFT JOIN target_counts AS tc
    ON (tc.ring IS NOT DISTINCT FROM k.ring) AND tc.component = k.component
    AND (tc.line IS NOT DISTINCT FROM k.line)
LEFT JOIN event_counts AS ec
    ON (ec.ring IS NOT DISTINCT FROM k.ring) AND ec.component = k.component
    AND (ec.line IS NOT DISTINCT FROM k.line)
ORDER BY k.ring NULLS LAST, k.component, k.line NULLS LAST
