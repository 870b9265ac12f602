-- room_health_summary: one row per local date from $from_date to $to_date (docs/reports.md), over the
-- rows of room_health_daily for that date:
--   rooms              rows (every reported room)
--   healthy_rooms      rows with `healthy`
--   healthy_pct        100 * healthy_rooms / rooms
--   affected_minutes   the sum of affected_minutes
--
-- The inner query is room_health_daily.sql itself (its header states every definition and every
-- open case): the report registry (`queries/src/reports.rs`) builds this report's SQL as this
-- file, then room_health_daily.sql, then this closing line:
--     ) AS daily GROUP BY "date" ORDER BY "date"
--
-- Parameters: $from_date, $to_date (DATE).
SELECT
    "date",
    COUNT(*) AS rooms,
    SUM(CASE WHEN healthy THEN 1 ELSE 0 END) AS healthy_rooms,
    100.0 * CAST(SUM(CASE WHEN healthy THEN 1 ELSE 0 END) AS DOUBLE) / CAST(COUNT(*) AS DOUBLE) AS healthy_pct,
    SUM(affected_minutes) AS affected_minutes
FROM (
