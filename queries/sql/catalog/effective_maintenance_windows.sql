-- effective_maintenance_windows: every window detection honours (incidents.md), one row per
-- window: the maintenance windows people added and the implicit windows of update steps.
--   window_id      maintenance_windows.window_id, or 'update:' || update_id
--   source         'maintenance' or 'update'
--   room_id        the room
--   device_id      the room system or peripheral covered (null: the whole room); an incident
--                  matches when its device_id or its peripheral_id is this one
--   kinds          the incident kinds silenced, ','-separated (null: every kind)
--   from, to       [from, to), quote them: "from", "to"
--   reason         why
-- Update windows: `firmware` covers its peripheral (peripheral_disconnected,
-- peripheral_degrading); `teams_app` and `operating_system` cover the room system and its
-- peripherals (device_offline, peripheral_disconnected, signed_out); the agents' steps have no
-- window. A failed step still opens update_failed (no window silences it).
SELECT
    window_id,
    'maintenance' AS source,
    room_id,
    device_id,
    kind AS kinds,
    "from",
    "to",
    reason
FROM maintenance_windows
UNION ALL
SELECT
    window_id,
    'update' AS source,
    room_id,
    CASE WHEN component = 'firmware' THEN target_id ELSE device_id END AS device_id,
    CASE
        WHEN component = 'firmware' THEN 'peripheral_disconnected,peripheral_degrading'
        ELSE 'device_offline,peripheral_disconnected,signed_out'
    END AS kinds,
    "from",
    "to",
    component || ' update to ' || to_version AS reason
FROM update_windows
WHERE component IN ('firmware', 'teams_app', 'operating_system')
