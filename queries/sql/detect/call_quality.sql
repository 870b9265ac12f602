-- Per call (meeting), in each room's order of call end: whether it was poor (packet loss above
-- `$poor_loss_pct`, jitter above `$poor_jitter_ms` or round trip above `$poor_rtt_ms`), the
-- room's poor share over its last `{last_calls}` calls (and how many calls that is), and the
-- poor share over the `{baseline_days}` days before and including it, of the room and of its
-- site (rooms not in the directory form one unknown site). Dates `$from_date` … `$to_date`.
WITH calls AS (
  SELECT
    m.room_id,
    m.device_id,
    COALESCE(r.site, '') AS site,
    m."end" AS ended,
    CASE WHEN m.packet_loss_pct > $poor_loss_pct
           OR m.jitter_ms > $poor_jitter_ms
           OR m.rtt_ms > $poor_rtt_ms THEN 1.0 ELSE 0.0 END AS poor
  FROM meetings m
  LEFT JOIN rooms r ON r.room_id = m.room_id
  WHERE m.date BETWEEN $from_date AND $to_date
)
SELECT
  room_id,
  device_id,
  ended,
  poor,
  AVG(poor) OVER (PARTITION BY room_id ORDER BY ended
                  ROWS BETWEEN {last_calls_preceding} PRECEDING AND CURRENT ROW) AS recent_share,
  COUNT(*) OVER (PARTITION BY room_id ORDER BY ended
                 ROWS BETWEEN {last_calls_preceding} PRECEDING AND CURRENT ROW) AS recent_calls,
  AVG(poor) OVER (PARTITION BY room_id ORDER BY ended
                  RANGE BETWEEN INTERVAL '{baseline_days} days' PRECEDING AND CURRENT ROW)
    AS room_share,
  AVG(poor) OVER (PARTITION BY site ORDER BY ended
                  RANGE BETWEEN INTERVAL '{baseline_days} days' PRECEDING AND CURRENT ROW)
    AS site_share
FROM calls
ORDER BY room_id, ended
