-- meeting_impact: over the local dates $from_date..$to_date, one row per accepted booking whose
-- interval the room's critical incidents covered (docs/reports.md), and whether the meeting was held.
--
-- Bookings: the latest event of each booking_id (by ts, ties by greater event_id) is
-- `accepted`; `date` is the local date of its start in its room's time zone (rooms.csv; UTC for
-- a room missing from the directory). The room's critical open segments are those of
-- room_health_daily: each incident event starts a segment that ends at the next event's
-- event_at (the last runs on); open ones of severity `critical` affect the incident's room.
--   start, end         the booking's interval (UTC)
--   booked_minutes     end - start, whole minutes rounded down
--   impacted_minutes   minutes of [start, end) covered by the union of the room's critical open
--                      segments (overlaps count once; not clipped to business hours), rounded
--                      down
--   held               a meeting of the room (its latest event per meeting_id) overlaps
--                      [start, end); a booking impacted and not held is a meeting lost to an
--                      incident
--   incidents          the ids of the incidents whose critical open segments overlap
--                      [start, end), sorted, `;`-separated
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * "Above 0" is judged on the whole minutes: a booking touched for less than a minute has no
--   row (impacted_minutes would read 0).
-- * A booking cancelled after an incident hit it has no row: only the latest state counts.
-- * The meeting need not name the booking: any meeting of the room that overlaps it holds it,
--   as for no-shows in utilization_daily.
-- * Pruning: bookings are read whole (their events may be sent weeks ahead); meetings from UTC
--   date from-2 to to+3 (a meeting's ts is its end and it lasts at most 24 h).
--
-- Parameters: $from_date, $to_date (DATE). Functions: local_date(ts, tz).
WITH booking_versions AS (
    SELECT
        booking_id,
        room_id,
        start,
        "end",
        status,
        ROW_NUMBER() OVER (PARTITION BY booking_id ORDER BY ts DESC, event_id DESC) AS version_rank
    FROM bookings
),
accepted_bookings AS (
    SELECT
        bv.booking_id,
        bv.room_id,
        bv.start,
        bv."end",
        local_date(bv.start, COALESCE(r.timezone, 'UTC')) AS local_day
    FROM booking_versions AS bv
    LEFT JOIN rooms AS r ON r.room_id = bv.room_id
    WHERE bv.version_rank = 1
        AND bv.status = 'accepted'
        AND bv."end" > bv.start
        AND local_date(bv.start, COALESCE(r.timezone, 'UTC'))
            BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
segments AS (
    SELECT
        incident_id,
        room_id,
        state,
        severity,
        event_at AS segment_start,
        LEAD(event_at) OVER (PARTITION BY incident_id ORDER BY seq) AS segment_end
    FROM incident_events
),
critical_segments AS (
    SELECT incident_id, room_id, segment_start, segment_end
    FROM segments
    WHERE state = 'open' AND severity = 'critical'
        AND (segment_end IS NULL OR segment_end > segment_start)
),
hits AS (
    SELECT
        b.booking_id,
        cs.incident_id,
        ROUND(date_part('epoch', GREATEST(cs.segment_start, b.start)) * 1000000) AS start_us,
        ROUND(date_part('epoch',
            CASE WHEN cs.segment_end IS NULL THEN b."end" ELSE LEAST(cs.segment_end, b."end") END
        ) * 1000000) AS end_us
    FROM accepted_bookings AS b
    JOIN critical_segments AS cs
        ON cs.room_id = b.room_id
        AND cs.segment_start < b."end"
        AND (cs.segment_end IS NULL OR cs.segment_end > b.start)
),
hits_ordered AS (
    SELECT
        booking_id,
        start_us,
        end_us,
        MAX(end_us) OVER (
            PARTITION BY booking_id
            ORDER BY start_us, end_us
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS covered_until
    FROM hits
),
impact AS (
    SELECT
        booking_id,
        CAST(FLOOR(SUM(GREATEST(0, end_us - GREATEST(start_us, COALESCE(covered_until, start_us)))) / 60000000) AS BIGINT) AS impacted_minutes
    FROM hits_ordered
    GROUP BY booking_id
),
involved AS (
    SELECT booking_id, string_agg(incident_id, ';' ORDER BY incident_id) AS incidents
    FROM (SELECT DISTINCT booking_id, incident_id FROM hits) AS distinct_hits
    GROUP BY booking_id
),
meeting_versions AS (
    SELECT
        meeting_id,
        room_id,
        start,
        "end",
        ROW_NUMBER() OVER (PARTITION BY meeting_id ORDER BY ts DESC, event_id DESC) AS version_rank
    FROM meetings
    WHERE date BETWEEN CAST($from_date AS DATE) - 2 AND CAST($to_date AS DATE) + 3
),
held AS (
    SELECT DISTINCT b.booking_id
    FROM accepted_bookings AS b
    JOIN impact AS i ON i.booking_id = b.booking_id
    JOIN meeting_versions AS m
        ON m.version_rank = 1
        AND m.room_id = b.room_id
        AND m.start < b."end"
        AND m."end" > b.start
)
SELECT
    b.booking_id,
    b.room_id,
    b.local_day AS "date",
    b.start,
    b."end",
    CAST(FLOOR((date_part('epoch', b."end") - date_part('epoch', b.start)) / 60) AS BIGINT) AS booked_minutes,
    i.impacted_minutes,
    h.booking_id IS NOT NULL AS held,
    inv.incidents
FROM accepted_bookings AS b
JOIN impact AS i ON i.booking_id = b.booking_id
JOIN involved AS inv ON inv.booking_id = b.booking_id
LEFT JOIN held AS h ON h.booking_id = b.booking_id
WHERE i.impacted_minutes > 0
ORDER BY b.room_id, b.start, b.booking_id
