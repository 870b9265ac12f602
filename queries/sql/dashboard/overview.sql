-- dashboard overview: the period the lake covers and the size of the estate.
--   first_ts, last_ts   oldest and newest heartbeat (null on an empty lake)
--   rooms               rooms in the directory or seen in heartbeats or meetings
--   sites               distinct sites of the directory
WITH known AS (
    SELECT room_id, site FROM rooms
    UNION ALL
    SELECT DISTINCT room_id, CAST(NULL AS VARCHAR) AS site FROM heartbeats
    UNION ALL
    SELECT DISTINCT room_id, CAST(NULL AS VARCHAR) AS site FROM meetings
)
SELECT t.first_ts, t.last_ts, k.rooms, k.sites
FROM (SELECT MIN(ts) AS first_ts, MAX(ts) AS last_ts FROM heartbeats) AS t
CROSS JOIN (
    SELECT COUNT(DISTINCT room_id) AS rooms, COUNT(DISTINCT site) AS sites FROM known
) AS k
