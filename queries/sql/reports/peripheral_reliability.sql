-- peripheral_reliability: over the local dates $from_date..$to_date, one row per peripheral
-- `kind, make, model, firmware` (docs/reports.md): the equipment-reliability view of which make,
-- model and firmware fail most.
--
-- An event's local date is in its room's time zone (rooms.csv; UTC for a room missing from the
-- directory). Every event counts under the kind, make, model and firmware it carries, so a
-- peripheral updated during the range counts under both firmwares.
--   peripherals               distinct peripheral_ids with an event in the range
--   peripheral_days           sum over those peripherals of the distinct local dates on which
--                             they reported
--   disconnects               events `disconnected` whose peripheral's previous event (by ts,
--                             then event_id) was `connected` (`unknown` in between breaks the
--                             chain), as in device_reliability_daily
--   disconnects_per_100_days  100 * disconnects / peripheral_days
--   incidents                 incidents (current state, `incidents`) on a peripheral whose
--                             opened_at falls on a local date of the range (the incident's room's
--                             zone)
--   incidents_per_100_days    100 * incidents / peripheral_days
--   mean_error_count          mean of error_count over the events in the range
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * An incident counts under the kind, make, model and firmware of its peripheral's latest
--   event at or before opened_at (or, with none, the first after it). An incident whose
--   peripheral never reported in the range still makes a row (peripheral_days 0, rates null).
-- * "previous event" looks back 7 days before the range; a disconnect after a longer silence
--   whose last event was `connected` is missed.
-- * Duplicate event_ids are removed at ingest and by compaction (the lake's guarantee).
-- * Pruning: events are read from UTC date from-8 (the look-back) to to+1.
--
-- Parameters: $from_date, $to_date (DATE, inclusive). Functions: local_date(ts, tz).
WITH chained AS (
    SELECT
        p.peripheral_id,
        p.kind,
        p.make,
        p.model,
        p.firmware,
        p.error_count,
        p.ts,
        local_date(p.ts, COALESCE(r.timezone, 'UTC')) AS local_day,
        CASE
            WHEN p.connection = 'disconnected'
                AND LAG(p.connection) OVER (PARTITION BY p.peripheral_id ORDER BY p.ts, p.event_id) = 'connected'
                THEN 1
            ELSE 0
        END AS disconnect
    FROM peripheral_states AS p
    LEFT JOIN rooms AS r ON r.room_id = p.room_id
    WHERE p.date BETWEEN CAST($from_date AS DATE) - 8 AND CAST($to_date AS DATE) + 1
),
in_range AS (
    SELECT *
    FROM chained
    WHERE local_day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
per_peripheral AS (
    SELECT
        kind,
        make,
        model,
        firmware,
        peripheral_id,
        COUNT(DISTINCT local_day) AS days,
        SUM(disconnect) AS disconnects,
        SUM(error_count) AS error_sum,
        COUNT(*) AS events
    FROM in_range
    GROUP BY kind, make, model, firmware, peripheral_id
),
cohorts AS (
    SELECT
        kind,
        make,
        model,
        firmware,
        COUNT(*) AS peripherals,
        SUM(days) AS peripheral_days,
        SUM(disconnects) AS disconnects,
        CAST(SUM(error_sum) AS DOUBLE) / CAST(SUM(events) AS DOUBLE) AS mean_error_count
    FROM per_peripheral
    GROUP BY kind, make, model, firmware
),
opened AS (
    SELECT i.incident_id, i.peripheral_id, i.opened_at
    FROM incidents AS i
    LEFT JOIN rooms AS r ON r.room_id = i.room_id
    WHERE i.peripheral_id IS NOT NULL
        AND local_date(i.opened_at, COALESCE(r.timezone, 'UTC'))
            BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
incident_cohorts AS (
    SELECT kind, make, model, firmware, COUNT(*) AS incidents
    FROM (
        SELECT
            o.incident_id,
            c.kind,
            c.make,
            c.model,
            c.firmware,
            ROW_NUMBER() OVER (
                PARTITION BY o.incident_id
                ORDER BY
                    CASE WHEN c.ts <= o.opened_at THEN 0 ELSE 1 END,
                    ABS(date_part('epoch', c.ts) - date_part('epoch', o.opened_at))
            ) AS nearest
        FROM opened AS o
        JOIN chained AS c ON c.peripheral_id = o.peripheral_id
    ) AS attributed
    WHERE nearest = 1
    GROUP BY kind, make, model, firmware
)
SELECT
    COALESCE(c.kind, ic.kind) AS kind,
    COALESCE(c.make, ic.make) AS make,
    COALESCE(c.model, ic.model) AS model,
    COALESCE(c.firmware, ic.firmware) AS firmware,
    COALESCE(c.peripherals, 0) AS peripherals,
    COALESCE(c.peripheral_days, 0) AS peripheral_days,
    COALESCE(c.disconnects, 0) AS disconnects,
    CASE
        WHEN c.peripheral_days > 0 THEN 100.0 * CAST(c.disconnects AS DOUBLE) / CAST(c.peripheral_days AS DOUBLE)
    END AS disconnects_per_100_days,
    COALESCE(ic.incidents, 0) AS incidents,
    CASE
        WHEN c.peripheral_days > 0
            THEN 100.0 * CAST(COALESCE(ic.incidents, 0) AS DOUBLE) / CAST(c.peripheral_days AS DOUBLE)
    END AS incidents_per_100_days,
    c.mean_error_count
FROM cohorts AS c
FULL OUTER JOIN incident_cohorts AS ic
    ON ic.kind = c.kind AND ic.make = c.make AND ic.model = c.model AND ic.firmware = c.firmware
ORDER BY kind, make, model, firmware
