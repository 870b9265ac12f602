-- incident_summary: over the local dates $from_date..$to_date, one row per incident `kind,
-- severity` (docs/reports.md), computed from the incident events (`incident_events`).
--
-- An incident's local dates are in its room's time zone (rooms.csv; UTC for a room missing
-- from the directory); an event is in the range when its event_at falls on a local date of it.
-- An incident's state at the end of the range is its latest event (highest seq) with event_at
-- on or before the last date.
--   opened                    incidents whose opened_at falls in the range
--   resolved                  incidents with a `resolved` event in the range
--   auto_closed               incidents with a `closed` event in the range that no person made
--                             (a person's close, `roomsight incidents close`, carries
--                             "closed_by":"person" in its details)
--   still_open                incidents whose state at the end of the range is `open`,
--                             whenever they opened
--   mean_minutes_to_resolve   over the incidents resolved in the range: mean of (its last
--   p90_minutes_to_resolve    resolution in the range - opened_at) in minutes, with fractions;
--                             p90 is the continuous percentile (linear interpolation)
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * An incident counts under the kind and severity of its state at the end of the range (an
--   update_failed warning escalated to critical counts as critical in every column).
-- * opened_at is that of the incident's state at the end of the range (late data may move it
--   earlier).
-- * An incident resolved twice in the range (resolved, reopened, resolved) counts once; its
--   time to resolve runs from opening to the last resolution.
-- * Rows: every kind and severity with at least one incident in some column.
--
-- Parameters: $from_date, $to_date (DATE, inclusive). Functions: local_date(ts, tz).
WITH dated_events AS (
    SELECT
        e.incident_id,
        e.seq,
        e.event,
        e.kind,
        e.severity,
        e.state,
        e.opened_at,
        e.event_at,
        e.details,
        COALESCE(r.timezone, 'UTC') AS tz,
        local_date(e.event_at, COALESCE(r.timezone, 'UTC')) AS event_day
    FROM incident_events AS e
    LEFT JOIN rooms AS r ON r.room_id = e.room_id
),
end_states AS (
    SELECT incident_id, kind, severity, state, opened_at, tz
    FROM (
        SELECT
            *,
            ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY seq DESC) AS recency
        FROM dated_events
        WHERE event_day <= CAST($to_date AS DATE)
    ) AS ranked
    WHERE recency = 1
),
in_range AS (
    SELECT
        incident_id,
        MAX(CASE WHEN event = 'resolved' THEN event_at END) AS resolved_at,
        MAX(
            CASE
                WHEN event = 'closed' AND details NOT LIKE '%"closed_by":"person"%' THEN 1
                ELSE 0
            END
        ) AS auto_closed
    FROM dated_events
    WHERE event_day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    GROUP BY incident_id
),
incident_facts AS (
    SELECT
        s.kind,
        s.severity,
        CASE
            WHEN local_date(s.opened_at, s.tz) BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE) THEN 1
            ELSE 0
        END AS opened,
        CASE WHEN i.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS resolved,
        COALESCE(i.auto_closed, 0) AS auto_closed,
        CASE WHEN s.state = 'open' THEN 1 ELSE 0 END AS still_open,
        (date_part('epoch', i.resolved_at) - date_part('epoch', s.opened_at)) / 60.0 AS minutes_to_resolve
    FROM end_states AS s
    LEFT JOIN in_range AS i ON i.incident_id = s.incident_id
)
SELECT
    kind,
    severity,
    SUM(opened) AS opened,
    SUM(resolved) AS resolved,
    SUM(auto_closed) AS auto_closed,
    SUM(still_open) AS still_open,
    AVG(minutes_to_resolve) AS mean_minutes_to_resolve,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes_to_resolve) AS p90_minutes_to_resolve
FROM incident_facts
GROUP BY kind, severity
HAVING SUM(opened) + SUM(resolved) + SUM(auto_closed) + SUM(still_open) > 0
ORDER BY kind, severity
