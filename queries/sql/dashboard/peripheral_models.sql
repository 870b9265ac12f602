-- dashboard fallback when the `peripheral_reliability` report is not available: per peripheral
-- kind, make and model, disconnects (an event `disconnected` whose previous event of the same
-- peripheral was `connected`) and peripheral-days (distinct peripheral and UTC date with an
-- event). Close to peripheral_reliability, but by UTC rather than local date.
WITH ordered AS (
    SELECT
        peripheral_id,
        kind,
        make,
        model,
        connection,
        date,
        LAG(connection) OVER (PARTITION BY peripheral_id ORDER BY ts, event_id) AS previous
    FROM peripheral_states
)
SELECT
    kind,
    make,
    model,
    COUNT(DISTINCT concat(peripheral_id, '/', CAST(date AS VARCHAR))) AS peripheral_days,
    SUM(CASE WHEN connection = 'disconnected' AND previous = 'connected' THEN 1 ELSE 0 END)
        AS disconnects
FROM ordered
GROUP BY kind, make, model
