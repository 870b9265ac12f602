-- health_overview_summary: as of $as_of, the estate summary of health_overview (docs/reports.md):
-- one row per `site, status` with the number of rooms in that status (`rooms`); rooms missing
-- from the directory count under a null site. Only combinations with rooms have rows.
--
-- The inner query is health_overview.sql itself (its header states every definition and every
-- open case): the report registry (`queries/src/reports.rs`) builds this report's SQL as this
-- file, then health_overview.sql, then this closing line:
--     ) AS overview GROUP BY site, status ORDER BY site NULLS LAST, status
--
-- Parameters: $as_of (TIMESTAMP, UTC).
SELECT site, status, COUNT(*) AS rooms
FROM (
