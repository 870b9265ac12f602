-- Each room system's last heartbeat before `$from_date` (UTC): where a system silent for a
-- whole detection range went quiet. Read only when such a system is under management.
SELECT device_id, MAX(ts) AS last_seen
FROM heartbeats
WHERE date < $from_date
GROUP BY device_id
ORDER BY device_id
