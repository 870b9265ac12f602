-- Per call (meeting), in each room's order of call end: whether it was poor (packet loss above
-- `$poor_loss_pct`, jitter above `$poor_jitter_ms` or round trip above `$poor_rtt_ms`), the
-- room's poor share over its last `{last_calls}` calls (and how many calls that is), the room's
-- own poor share over the `{baseline_days}` days before it *excluding* those last calls, and
-- its site's poor share over the `{baseline_days}` days up to and including it (rooms not in the
-- directory form one unknown site). Dates `$from_date` … `$to_date`.
--
-- Cases the rule leaves open, and what this file does:
-- * A meeting is its latest event by `ts`, ties broken by the greater `event_id` (as
--   call_quality_daily reads it): a resent meeting counts once, with its latest values.
-- * Shares are per room, whatever room system of the room sent the call.
-- * `room_calls` is how many calls the own share is over: the room's calls in the
--   `{baseline_days}` days before the call that are older than its last `{last_calls}`; when it is
--   0 (no earlier calls in those days) `room_share` is 0.
-- * Calls ending at the same microsecond in one room are peers of the day-range windows (each
--   sees the others), as SQL's RANGE frames define.
WITH meeting_versions AS (
  SELECT
    m.meeting_id,
    m.room_id,
    m.device_id,
    m."end" AS ended,
    m.packet_loss_pct,
    m.jitter_ms,
    m.rtt_ms,
    ROW_NUMBER() OVER (PARTITION BY m.meeting_id ORDER BY m.ts DESC, m.event_id DESC)
      AS version_rank
  FROM meetings m
  WHERE m.date BETWEEN $from_date AND $to_date
),
calls AS (
  SELECT
    mv.room_id,
    mv.device_id,
    COALESCE(r.site, '') AS site,
    mv.ended,
    CASE WHEN mv.packet_loss_pct > $poor_loss_pct
           OR mv.jitter_ms > $poor_jitter_ms
           OR mv.rtt_ms > $poor_rtt_ms THEN 1.0 ELSE 0.0 END AS poor
  FROM meeting_versions mv
  LEFT JOIN rooms r ON r.room_id = mv.room_id
  WHERE mv.version_rank = 1
),
windows AS (
  SELECT
    room_id,
    device_id,
    site,
    ended,
    poor,
    SUM(poor) OVER (PARTITION BY room_id ORDER BY ended
                    ROWS BETWEEN {last_calls_preceding} PRECEDING AND CURRENT ROW) AS recent_poor,
    COUNT(*) OVER (PARTITION BY room_id ORDER BY ended
                   ROWS BETWEEN {last_calls_preceding} PRECEDING AND CURRENT ROW) AS recent_calls,
    SUM(poor) OVER (PARTITION BY room_id ORDER BY ended
                    RANGE BETWEEN INTERVAL '{baseline_days} days' PRECEDING AND CURRENT ROW)
      AS days_poor,
    COUNT(*) OVER (PARTITION BY room_id ORDER BY ended
                   RANGE BETWEEN INTERVAL '{baseline_days} days' PRECEDING AND CURRENT ROW)
      AS days_calls,
    AVG(poor) OVER (PARTITION BY site ORDER BY ended
                    RANGE BETWEEN INTERVAL '{baseline_days} days' PRECEDING AND CURRENT ROW)
      AS site_share
  FROM calls
)
SELECT
  room_id,
  device_id,
  ended,
  poor,
  recent_poor / CAST(recent_calls AS DOUBLE) AS recent_share,
  recent_calls,
  -- The last calls lie inside the day range whenever it holds at least as many calls, so the
  -- calls before them are the rest of it.
  CASE WHEN days_calls > recent_calls
       THEN (days_poor - recent_poor) / CAST(days_calls - recent_calls AS DOUBLE)
       ELSE 0.0 END AS room_share,
  CASE WHEN days_calls > recent_calls THEN days_calls - recent_calls ELSE 0 END AS room_calls,
  site_share
FROM windows
ORDER BY room_id, ended
