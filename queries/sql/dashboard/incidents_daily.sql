-- dashboard incidents trend: incidents by the UTC date they were opened and severity, and how
-- many are open now (the current state of each incident, from the `incidents` view).
SELECT
    CAST(opened_at AS DATE) AS opened_date,
    severity,
    COUNT(*) AS opened,
    SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END) AS still_open
FROM incidents
GROUP BY CAST(opened_at AS DATE), severity
ORDER BY opened_date, severity
