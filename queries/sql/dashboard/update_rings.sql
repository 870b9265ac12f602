-- dashboard fallback when the `update_compliance` report is not available: per ring, targets
-- (distinct target and component with update events) and of them those whose latest update
-- event succeeded.
WITH latest AS (
    SELECT
        ring,
        target_id,
        component,
        status,
        ROW_NUMBER() OVER (PARTITION BY target_id, component ORDER BY ts DESC, event_id DESC) AS rank
    FROM updates
)
SELECT
    ring,
    COUNT(*) AS targets,
    SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END) AS on_target
FROM latest
WHERE rank = 1
GROUP BY ring
ORDER BY ring
