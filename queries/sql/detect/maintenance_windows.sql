-- Every window detection honours (the view effective_maintenance_windows: the maintenance
-- windows people added and the implicit windows of update steps), as detection reads them:
-- the room, the room system or peripheral covered (null: the whole room), the kinds silenced
-- (','-separated, null: every kind) and [from, to). No parameters: windows are few, and a
-- window long before the range still decides where a condition that outlasted it opens.
SELECT window_id, room_id, device_id, kinds, "from", "to"
FROM effective_maintenance_windows
WHERE "to" > "from"
ORDER BY room_id, "from"
