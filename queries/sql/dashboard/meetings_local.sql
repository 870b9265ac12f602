-- dashboard utilization heat map: every meeting (its latest event by ts, as in usage_daily)
-- with its start and end in its room's local wall-clock time (UTC for rooms missing from the
-- directory). The heat map buckets these per weekday and hour in Rust.
WITH meeting_versions AS (
    SELECT
        meeting_id,
        room_id,
        start,
        "end",
        ROW_NUMBER() OVER (PARTITION BY meeting_id ORDER BY ts DESC, event_id DESC) AS version_rank
    FROM meetings
)
SELECT
    mv.room_id,
    local_ts(mv.start, COALESCE(r.timezone, 'UTC')) AS local_start,
    local_ts(mv."end", COALESCE(r.timezone, 'UTC')) AS local_end
FROM meeting_versions AS mv
LEFT JOIN rooms AS r ON r.room_id = mv.room_id
WHERE mv.version_rank = 1 AND mv."end" > mv.start
