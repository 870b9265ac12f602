-- usage_daily: one row per room and local date with at least one meeting (docs/reports.md).
--
-- A meeting belongs to the local date on which it starts, in its room's time zone (rooms.csv);
-- a room missing from the directory is reported under its room_id in UTC.
--   meetings                 meetings that start that date
--   meeting_minutes          sum of `end - start` of those meetings (not clipped), whole minutes
--   scheduled_meetings       of them `scheduled = true`; adhoc_meetings: `scheduled = false`
--   avg_participants         mean of `participants` (Float64)
--   max_people_count         largest `people_count` (null when none reported one)
--   teams_meetings           platform `teams`; other_platform_meetings: any other platform
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * A meeting is its latest event by `ts`, ties broken by the greater `event_id` (the wire
--   contract's rule); a duplicate or resent event therefore counts once, and the room, start
--   and end are those of the latest version.
-- * Whole minutes: durations are summed exactly (microseconds) and the day's total is rounded
--   down to a whole minute once, so 30.5 + 29.5 minutes make 60.
-- * Pruning: a meeting's `ts` is its end and a meeting lasts at most 24 h, so the meetings that
--   start on local dates from..to have `ts` on UTC dates from-1 .. to+2 (offsets -12 h .. +14 h);
--   the scan reads from-2 .. to+3 to be safe. A resend that moves a meeting by days is not
--   followed outside that window.
--
-- Parameters: $from_date, $to_date (DATE, inclusive). Functions: local_date(ts, tz).
WITH meeting_versions AS (
    SELECT
        meeting_id,
        room_id,
        start,
        "end",
        scheduled,
        participants,
        people_count,
        platform,
        ROW_NUMBER() OVER (PARTITION BY meeting_id ORDER BY ts DESC, event_id DESC) AS version_rank
    FROM meetings
    WHERE date BETWEEN CAST($from_date AS DATE) - 2 AND CAST($to_date AS DATE) + 3
),
dated_meetings AS (
    SELECT
        mv.room_id,
        local_date(mv.start, COALESCE(r.timezone, 'UTC')) AS local_day,
        ROUND((date_part('epoch', mv."end") - date_part('epoch', mv.start)) * 1000000) AS duration_us,
        mv.scheduled,
        mv.participants,
        mv.people_count,
        mv.platform
    FROM meeting_versions AS mv
    LEFT JOIN rooms AS r ON r.room_id = mv.room_id
    WHERE mv.version_rank = 1
)
SELECT
    room_id,
    local_day AS "date",
    COUNT(*) AS meetings,
    CAST(FLOOR(SUM(duration_us) / 60000000) AS BIGINT) AS meeting_minutes,
    SUM(CASE WHEN scheduled THEN 1 ELSE 0 END) AS scheduled_meetings,
    SUM(CASE WHEN scheduled THEN 0 ELSE 1 END) AS adhoc_meetings,
    AVG(CAST(participants AS DOUBLE)) AS avg_participants,
    MAX(people_count) AS max_people_count,
    SUM(CASE WHEN platform = 'teams' THEN 1 ELSE 0 END) AS teams_meetings,
    SUM(CASE WHEN platform = 'teams' THEN 0 ELSE 1 END) AS other_platform_meetings
FROM dated_meetings
WHERE local_day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
GROUP BY room_id, local_day
ORDER BY room_id, local_day
