-- incidents: the current state of every incident, one row per incident_id: its latest event
-- (the highest seq) in incident_events. Columns are those of incident_events; `event` is the
-- last thing that happened to it and `state` where it stands (open, resolved, closed).
SELECT * EXCEPT (rn)
FROM (
    SELECT *, row_number() OVER (PARTITION BY incident_id ORDER BY seq DESC) AS rn
    FROM incident_events
)
WHERE rn = 1
