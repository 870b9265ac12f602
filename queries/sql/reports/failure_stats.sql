-- failure_stats: over the local dates $from_date..$to_date, one row per peripheral `kind, make,
-- model, firmware` (docs/reports.md): how often each make, model and firmware fails, in operating
-- hours, and how fast it is repaired.
--
-- The range's instants, per room: from 00:00 local time on $from_date to 00:00 on the day after
-- $to_date, in the room's time zone (rooms.csv; UTC for a room missing from the directory).
--   peripherals        distinct peripherals with an operating hour or a failure in the group
--   operating_hours    distinct (peripheral, UTC hour) pairs whose hour starts inside the range
--                      and in which the peripheral sent at least one event with connection =
--                      `connected`; the hour counts under the kind, make, model and firmware of
--                      the latest such event in it (by ts, then event_id)
--   failures           incidents of kind `peripheral_disconnected` or `peripheral_degrading` on
--                      a peripheral whose opened_at falls inside the range (the room of the
--                      incident), attributed to the kind, make, model and firmware of the
--                      peripheral's latest event at or before opened_at
--   mtbf_hours         operating_hours / failures; null without failures
--   mttr_minutes       over the failures with a `resolved` event: the mean of the minutes (with
--                      fractions) from opened_at to the event_at of the first `resolved` event
--   p90_ttr_minutes    the nearest-rank 90th percentile of the same minutes: the smallest value
--                      that at least 90 % of them do not exceed (the k-th smallest, k the least
--                      integer with 10 k >= 9 n)
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * opened_at is that of the incident's latest event (late data may move it earlier); the kind
--   and origin do not matter beyond the two kinds (a person's report of a disconnected camera
--   counts).
-- * A failure whose peripheral sent nothing at or before opened_at is attributed to its first
--   event after it; one whose peripheral never reported in the read span has no group and is
--   left out. Events are read from UTC date from-8 to to+2, so the "latest event at or before"
--   looks back at least 7 days.
-- * A resolution may fall after the range: a failure opened in the range and resolved later
--   still has its time to repair.
-- * An hour whose start is inside the range counts whole (in a zone offset by a fraction of an
--   hour, the hour that straddles local midnight counts with the day it starts in).
--
-- Parameters: $from_date, $to_date (DATE). Functions: utc_from_local(local_ts, tz).
WITH zones AS (
    SELECT
        room_id,
        timezone,
        utc_from_local(CAST(CAST($from_date AS DATE) AS TIMESTAMP), timezone) AS range_start,
        utc_from_local(CAST(CAST($to_date AS DATE) + 1 AS TIMESTAMP), timezone) AS range_end
    FROM rooms
),
utc_range AS (
    -- the range of a room missing from the directory
    SELECT
        utc_from_local(CAST(CAST($from_date AS DATE) AS TIMESTAMP), 'UTC') AS range_start,
        utc_from_local(CAST(CAST($to_date AS DATE) + 1 AS TIMESTAMP), 'UTC') AS range_end
),
events AS (
    SELECT
        p.peripheral_id,
        p.kind,
        p.make,
        p.model,
        p.firmware,
        p.connection,
        p.ts,
        p.event_id,
        date_trunc('hour', p.ts) AS hour,
        COALESCE(z.range_start, u.range_start) AS range_start,
        COALESCE(z.range_end, u.range_end) AS range_end
    FROM peripheral_states AS p
    CROSS JOIN utc_range AS u
    LEFT JOIN zones AS z ON z.room_id = p.room_id
    WHERE p.date BETWEEN CAST($from_date AS DATE) - 8 AND CAST($to_date AS DATE) + 2
),
operating AS (
    SELECT peripheral_id, hour, kind, make, model, firmware
    FROM (
        SELECT
            *,
            ROW_NUMBER() OVER (PARTITION BY peripheral_id, hour ORDER BY ts DESC, event_id DESC) AS recency
        FROM events
        WHERE connection = 'connected' AND hour >= range_start AND hour < range_end
    ) AS ranked
    WHERE recency = 1
),
operating_groups AS (
    SELECT kind, make, model, firmware, COUNT(*) AS operating_hours
    FROM operating
    GROUP BY kind, make, model, firmware
),
first_resolutions AS (
    SELECT incident_id, MIN(event_at) AS resolved_at
    FROM incident_events
    WHERE event = 'resolved'
    GROUP BY incident_id
),
failures AS (
    SELECT i.incident_id, i.peripheral_id, i.opened_at, fr.resolved_at
    FROM incidents AS i
    LEFT JOIN zones AS z ON z.room_id = i.room_id
    CROSS JOIN utc_range AS u
    LEFT JOIN first_resolutions AS fr ON fr.incident_id = i.incident_id
    WHERE i.kind IN ('peripheral_disconnected', 'peripheral_degrading')
        AND i.peripheral_id IS NOT NULL
        AND i.opened_at >= COALESCE(z.range_start, u.range_start)
        AND i.opened_at < COALESCE(z.range_end, u.range_end)
),
attributed AS (
    -- the ordering keys are plain columns: DataFusion 55 rejects a window whose ORDER BY repeats
    -- a comparison (SanityCheckPlan after common-subexpression elimination)
    SELECT
        incident_id,
        peripheral_id,
        kind,
        make,
        model,
        firmware,
        ttr_minutes,
        ROW_NUMBER() OVER (
            PARTITION BY incident_id ORDER BY after_opening, distance_s, event_id DESC
        ) AS nearest
    FROM (
        SELECT
            f.incident_id,
            f.peripheral_id,
            e.kind,
            e.make,
            e.model,
            e.firmware,
            e.event_id,
            CASE WHEN e.ts <= f.opened_at THEN 0 ELSE 1 END AS after_opening,
            ABS(date_part('epoch', e.ts) - date_part('epoch', f.opened_at)) AS distance_s,
            (date_part('epoch', f.resolved_at) - date_part('epoch', f.opened_at)) / 60.0 AS ttr_minutes
        FROM failures AS f
        JOIN events AS e ON e.peripheral_id = f.peripheral_id
    ) AS candidates
),
failure_rows AS (
    SELECT
        kind,
        make,
        model,
        firmware,
        peripheral_id,
        ttr_minutes,
        ROW_NUMBER() OVER (
            PARTITION BY kind, make, model, firmware ORDER BY ttr_minutes ASC NULLS LAST
        ) AS ttr_rank,
        COUNT(ttr_minutes) OVER (PARTITION BY kind, make, model, firmware) AS repaired
    FROM attributed
    WHERE nearest = 1
),
failure_groups AS (
    SELECT
        kind,
        make,
        model,
        firmware,
        COUNT(*) AS failures,
        AVG(ttr_minutes) AS mttr_minutes,
        MIN(
            CASE
                WHEN ttr_minutes IS NOT NULL AND 10 * CAST(ttr_rank AS BIGINT) >= 9 * CAST(repaired AS BIGINT)
                    THEN ttr_minutes
            END
        ) AS p90_ttr_minutes
    FROM failure_rows
    GROUP BY kind, make, model, firmware
),
peripheral_groups AS (
    SELECT kind, make, model, firmware, COUNT(DISTINCT peripheral_id) AS peripherals
    FROM (
        SELECT kind, make, model, firmware, peripheral_id FROM operating
        UNION ALL
        SELECT kind, make, model, firmware, peripheral_id FROM failure_rows
    ) AS members
    GROUP BY kind, make, model, firmware
)
SELECT
    pg.kind,
    pg.make,
    pg.model,
    pg.firmware,
    pg.peripherals,
    COALESCE(og.operating_hours, 0) AS operating_hours,
    COALESCE(fg.failures, 0) AS failures,
    CASE
        WHEN fg.failures > 0 THEN CAST(COALESCE(og.operating_hours, 0) AS DOUBLE) / CAST(fg.failures AS DOUBLE)
    END AS mtbf_hours,
    fg.mttr_minutes,
    fg.p90_ttr_minutes
FROM peripheral_groups AS pg
LEFT JOIN operating_groups AS og
    ON (og.kind IS NOT DISTINCT FROM pg.kind) AND (og.make IS NOT DISTINCT FROM pg.make)
    AND (og.model IS NOT DISTINCT FROM pg.model) AND (og.firmware IS NOT DISTINCT FROM pg.firmware)
LEFT JOIN failure_groups AS fg
    ON (fg.kind IS NOT DISTINCT FROM pg.kind) AND (fg.make IS NOT DISTINCT FROM pg.make)
    AND (fg.model IS NOT DISTINCT FROM pg.model) AND (fg.firmware IS NOT DISTINCT FROM pg.firmware)
ORDER BY pg.kind, pg.make, pg.model, pg.firmware
