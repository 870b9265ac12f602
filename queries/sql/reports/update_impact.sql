-- update_impact: as of $as_of, one row per `component, to_version, ring` (reports.md): did the
-- targets that took a release get affected by incidents more often than the targets that had
-- not taken it yet, over the same calendar days (a concurrent control)?
--
-- A snapshot sees the events and incident events whose time is at or before $as_of.
--   targets           treated targets of the release in the ring: those with a `succeeded`
--                     update event to to_version (firmware: peripherals, `target_id` =
--                     peripheral_id; otherwise room systems); t0 = the first such event's ts
--   ring              the ring in rooms.csv of the room of the target's first succeeded update
--                     event (null when the room is not in the directory)
--   first_update_at   the earliest t0 in the row
--   device_days_after     sum over treated targets of [t0, min(t0 + 7 days, $as_of)), in days
--   affected_days_after   distinct (target, UTC date) pairs with an incident concerning the
--                         target opened inside its after interval on that date
--   device_days_control   over S = [first_update_at, min(latest t0 of the row + 7 days, $as_of)),
--                         every target of the treated targets' line(s), in any ring, for the
--                         part of S during which it had telemetry (from its first to its last
--                         event at or before $as_of: peripheral events for firmware, heartbeats
--                         otherwise) and had not yet taken to_version (before its own t0)
--   affected_days_control as affected_days_after, over the control intervals
--   rate_after, rate_control   100 * affected / device_days (per 100 device-days), null at 0 days
--   rate_ratio        ((affected_after + 0.5) / days_after) / ((affected_control + 0.5) / days_control),
--                     null when either device_days is 0
--   p_value           P(X >= affected_days_after), X ~ Binomial(n, q), n = affected_after +
--                     affected_control, q = days_after / (days_after + days_control); 1 when n = 0
--                     (binomial_upper_tail)
--   verdict           `halt` when p_value < 0.01 and rate_ratio >= 2; else `hold` when targets < 5,
--                     device_days_after < 5 or device_days_control < 5; else `promote`
-- Lines: firmware per peripheral make and model (the peripheral's latest event at or before
-- $as_of); every other component is one line (every room system).
-- Incidents that concern a target: firmware, incidents on that peripheral; otherwise incidents
-- on that room system or any of its peripherals (by the incident's device_id). Kind
-- `update_failed` never counts. An incident's opened_at is that of its latest event at or
-- before $as_of.
--
-- Cases reports.md leaves open, and what this file does:
-- * A target with several succeeded events to the same version (a re-run) counts once, from
--   the first; a later rollback does not end its after interval (the release is judged by what
--   happened to those who took it, for 7 days).
-- * Telemetry intervals are [first event, last event): a target that reported once has none.
-- * Update events are deduplicated by event_id.
-- * Rows are sorted by component, version (version order) and ring (nulls last).
--
-- Parameters: $as_of (TIMESTAMP, UTC). Functions: version_key(v), binomial_upper_tail(k, n, q).
WITH update_events AS (
    SELECT DISTINCT event_id, ts, room_id, component, target_id, to_version, status
    FROM updates
    WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of AND status = 'succeeded'
),
taken AS (
    SELECT component, to_version, target_id, room_id, ts AS t0
    FROM (
        SELECT
            component,
            to_version,
            target_id,
            room_id,
            ts,
            ROW_NUMBER() OVER (
                PARTITION BY component, to_version, target_id ORDER BY ts, event_id
            ) AS nth
        FROM update_events
    ) AS ranked
    WHERE nth = 1
),
peripheral_spans AS (
    SELECT peripheral_id, MIN(ts) AS first_ts, MAX(ts) AS last_ts
    FROM peripheral_states
    WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    GROUP BY peripheral_id
),
peripheral_lines AS (
    SELECT s.peripheral_id, s.first_ts, s.last_ts, MAX(p.make || ' ' || p.model) AS line
    FROM peripheral_states AS p
    JOIN peripheral_spans AS s ON s.peripheral_id = p.peripheral_id AND s.last_ts = p.ts
    WHERE p.date <= CAST($as_of AS DATE)
    GROUP BY s.peripheral_id, s.first_ts, s.last_ts
),
device_spans AS (
    SELECT device_id, MIN(ts) AS first_ts, MAX(ts) AS last_ts
    FROM heartbeats
    WHERE date <= CAST($as_of AS DATE) AND ts <= $as_of
    GROUP BY device_id
),
treated AS (
    SELECT
        t.component,
        t.to_version,
        r.ring,
        t.target_id,
        t.t0,
        CASE
            WHEN t.t0 + INTERVAL '7 days' < $as_of THEN t.t0 + INTERVAL '7 days'
            ELSE $as_of
        END AS after_end,
        CASE WHEN t.component = 'firmware' THEN pl.line ELSE t.component END AS line
    FROM taken AS t
    LEFT JOIN rooms AS r ON r.room_id = t.room_id
    LEFT JOIN peripheral_lines AS pl
        ON t.component = 'firmware' AND pl.peripheral_id = t.target_id
),
releases AS (
    SELECT
        component,
        to_version,
        ring,
        COUNT(*) AS targets,
        MIN(t0) AS first_update_at,
        CASE
            WHEN MAX(t0) + INTERVAL '7 days' < $as_of THEN MAX(t0) + INTERVAL '7 days'
            ELSE $as_of
        END AS span_end,
        SUM(date_part('epoch', after_end) - date_part('epoch', t0)) / 86400.0 AS device_days_after
    FROM treated
    GROUP BY component, to_version, ring
),
release_lines AS (
    SELECT DISTINCT component, to_version, ring, line FROM treated WHERE line IS NOT NULL
),
-- Every control candidate of every release with its telemetry span.
candidates AS (
    SELECT rl.component, rl.to_version, rl.ring, p.peripheral_id AS target_id, p.first_ts, p.last_ts
    FROM release_lines AS rl
    JOIN peripheral_lines AS p ON p.line = rl.line
    WHERE rl.component = 'firmware'
    UNION ALL
    SELECT rel.component, rel.to_version, rel.ring, d.device_id AS target_id, d.first_ts, d.last_ts
    FROM releases AS rel
    CROSS JOIN device_spans AS d
    WHERE rel.component <> 'firmware'
),
-- [max(first_update_at, first event), min(span end, last event, own t0)), when not empty.
control AS (
    SELECT component, to_version, ring, target_id, c_start, c_end
    FROM (
        SELECT
            c.component,
            c.to_version,
            c.ring,
            c.target_id,
            greatest(c.first_ts, rel.first_update_at) AS c_start,
            least(c.last_ts, rel.span_end, COALESCE(tk.t0, rel.span_end)) AS c_end
        FROM candidates AS c
        JOIN releases AS rel
            ON rel.component = c.component
            AND rel.to_version = c.to_version
            AND rel.ring IS NOT DISTINCT FROM c.ring
        LEFT JOIN taken AS tk
            ON tk.component = c.component
            AND tk.to_version = c.to_version
            AND tk.target_id = c.target_id
    ) AS bounded
    WHERE c_end > c_start
),
incident_rows AS (
    SELECT device_id, peripheral_id, opened_at
    FROM (
        SELECT
            device_id,
            peripheral_id,
            kind,
            opened_at,
            ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY seq DESC) AS recency
        FROM incident_events
        WHERE event_at <= $as_of
    ) AS ranked
    WHERE recency = 1 AND kind <> 'update_failed'
),
-- The incidents concerning each kind of target: a peripheral's own, a room system's and its
-- peripherals'.
incident_targets AS (
    SELECT 'firmware' AS scope, peripheral_id AS target_id, opened_at
    FROM incident_rows
    WHERE peripheral_id IS NOT NULL
    UNION ALL
    SELECT 'system' AS scope, device_id AS target_id, opened_at
    FROM incident_rows
),
affected_after AS (
    SELECT component, to_version, ring, COUNT(*) AS affected_days
    FROM (
        SELECT DISTINCT tr.component, tr.to_version, tr.ring, tr.target_id, CAST(it.opened_at AS DATE) AS day
        FROM treated AS tr
        JOIN incident_targets AS it
            ON it.target_id = tr.target_id
            AND it.scope = CASE WHEN tr.component = 'firmware' THEN 'firmware' ELSE 'system' END
            AND it.opened_at >= tr.t0
            AND it.opened_at < tr.after_end
    ) AS pairs
    GROUP BY component, to_version, ring
),
control_days AS (
    SELECT
        component,
        to_version,
        ring,
        SUM(date_part('epoch', c_end) - date_part('epoch', c_start)) / 86400.0 AS device_days
    FROM control
    GROUP BY component, to_version, ring
),
affected_control AS (
    SELECT component, to_version, ring, COUNT(*) AS affected_days
    FROM (
        SELECT DISTINCT c.component, c.to_version, c.ring, c.target_id, CAST(it.opened_at AS DATE) AS day
        FROM control AS c
        JOIN incident_targets AS it
            ON it.target_id = c.target_id
            AND it.scope = CASE WHEN c.component = 'firmware' THEN 'firmware' ELSE 'system' END
            AND it.opened_at >= c.c_start
            AND it.opened_at < c.c_end
    ) AS pairs
    GROUP BY component, to_version, ring
),
counted AS (
    SELECT
        rel.component,
        rel.to_version,
        rel.ring,
        rel.targets,
        rel.first_update_at,
        CAST(rel.device_days_after AS DOUBLE) AS device_days_after,
        COALESCE(aa.affected_days, 0) AS affected_days_after,
        CAST(COALESCE(cd.device_days, 0) AS DOUBLE) AS device_days_control,
        COALESCE(ac.affected_days, 0) AS affected_days_control
    FROM releases AS rel
    LEFT JOIN affected_after AS aa
        ON aa.component = rel.component AND aa.to_version = rel.to_version
        AND aa.ring IS NOT DISTINCT FROM rel.ring
    LEFT JOIN control_days AS cd
        ON cd.component = rel.component AND cd.to_version = rel.to_version
        AND cd.ring IS NOT DISTINCT FROM rel.ring
    LEFT JOIN affected_control AS ac
        ON ac.component = rel.component AND ac.to_version = rel.to_version
        AND ac.ring IS NOT DISTINCT FROM rel.ring
),
judged AS (
    SELECT
        *,
        CASE WHEN device_days_after > 0 THEN 100.0 * affected_days_after / device_days_after END AS rate_after,
        CASE WHEN device_days_control > 0 THEN 100.0 * affected_days_control / device_days_control END AS rate_control,
        CASE
            WHEN device_days_after > 0 AND device_days_control > 0
                THEN ((affected_days_after + 0.5) / device_days_after)
                    / ((affected_days_control + 0.5) / device_days_control)
        END AS rate_ratio,
        CASE
            WHEN affected_days_after + affected_days_control = 0 THEN 1.0
            ELSE binomial_upper_tail(
                CAST(affected_days_after AS DOUBLE),
                CAST(affected_days_after + affected_days_control AS DOUBLE),
                device_days_after / (device_days_after + device_days_control)
            )
        END AS p_value
    FROM counted
)
SELECT
    component,
    to_version,
    ring,
    targets,
    first_update_at,
    device_days_after,
    affected_days_after,
    rate_after,
    device_days_control,
    affected_days_control,
    rate_control,
    rate_ratio,
    p_value,
    CASE
        WHEN p_value < 0.01 AND rate_ratio >= 2 THEN 'halt'
        WHEN targets < 5 OR device_days_after < 5 OR device_days_control < 5 THEN 'hold'
        ELSE 'promote'
    END AS verdict
FROM judged
ORDER BY component, version_key(to_version), to_version, ring NULLS LAST
