-- utilization_daily: one row per room and local date, every date from $from_date to $to_date,
-- zeros included (docs/reports.md).
--
-- Rooms: every room of the directory, plus every room_id seen in telemetry; a room missing from
-- the directory is reported in UTC with an unknown capacity. Business hours: Monday-Friday,
-- [$business_start_minute, $business_end_minute) minutes after local midnight (480 and 1080 by
-- default), turned into an exact UTC window per room and date, so DST days are right.
--   business_minutes        length of that window (600 on a weekday by default, 0 at weekends)
--   occupied_minutes        window minutes covered by the union of the room's meetings
--                           (overlaps count once; a meeting from the day before counts for its
--                           part inside this day)
--   utilization_pct         100 * occupied_minutes / business_minutes; null when the latter is 0
--   bookings                accepted bookings that start that date
--   booked_minutes          window minutes of that date covered by those bookings (a booking
--                           longer than the day is clipped to its start date)
--   booked_unused_minutes   window minutes covered by those bookings but by no meeting
--   no_show_bookings        of those bookings, the ones no meeting of the room overlaps
--   avg_occupancy_pct       mean over the meetings that start that date and carry a
--                           people_count of 100 * people_count / capacity; null when none, or
--                           when the capacity is unknown
-- The four-way split of business_minutes, with B the window minutes covered by those bookings
-- and O those covered by meetings (as for booked_minutes and occupied_minutes):
--   booked_occupied_minutes |B ∩ O| = |B| + |O| - |B ∪ O|: reserved and used
--   booked_only_minutes     |B \ O| = |B ∪ O| - |O|: reserved and empty (ghost bookings),
--                           exactly booked_unused_minutes
--   occupied_only_minutes   |O \ B| = |B ∪ O| - |B|: used without a booking (walk-ins)
--   idle_minutes            business_minutes - |B ∪ O|: neither
-- The first three are exact lengths rounded down; idle_minutes takes the remainder, so the four
-- add up to business_minutes.
-- Unions are exact: spans are taken in microseconds, sorted by start, and each adds only what
-- lies beyond the furthest end before it (a running MAX window), which is the length of the
-- union of the spans. Whole minutes: each column's exact length is rounded down once.
--
-- Cases docs/reports.md leaves open, and what this file does:
-- * "Seen in telemetry": a room_id with an event of any telemetry table on a UTC date of the
--   range (an unknown room's local dates are UTC dates), or with a meeting or accepted booking
--   counted in the range. A room seen only on other dates gets no rows.
-- * A meeting is its latest event by `ts` (ties: greater event_id), a booking likewise; the
--   booking's latest status decides whether it is accepted (a cancelled one counts nowhere).
-- * A no-show looks at the booking's whole interval [start, end), not only business hours,
--   and any meeting of the room, whether or not it names the booking.
-- * utilization_pct uses the whole-minute columns, as written in docs/reports.md.
-- * Pruning: bookings are read whole (a booking's events may be sent weeks before it starts);
--   meetings from UTC date from-2 to to+3 (a meeting lasts at most 24 h and its `ts` is its
--   end), so a booking that runs on more than two days past the range sees no later meetings.
--
-- Parameters: $from_date, $to_date (DATE), $business_start_minute, $business_end_minute
-- (BIGINT). Functions: local_date(ts, tz), utc_from_local(local_ts, tz).
WITH directory AS (
    SELECT room_id, timezone, capacity FROM rooms
),
days AS (
    SELECT CAST(series.d AS DATE) AS local_day
    FROM (
        SELECT unnest(generate_series(CAST($from_date AS DATE), CAST($to_date AS DATE), INTERVAL '1 day')) AS d
    ) AS series
),
meeting_versions AS (
    SELECT
        meeting_id,
        room_id,
        start,
        "end",
        people_count,
        date AS utc_date,
        ROW_NUMBER() OVER (PARTITION BY meeting_id ORDER BY ts DESC, event_id DESC) AS version_rank
    FROM meetings
    WHERE date BETWEEN CAST($from_date AS DATE) - 2 AND CAST($to_date AS DATE) + 3
),
latest_meetings AS (
    SELECT
        mv.meeting_id,
        mv.room_id,
        mv.start,
        mv."end",
        mv.people_count,
        mv.utc_date,
        local_date(mv.start, COALESCE(d.timezone, 'UTC')) AS local_day
    FROM meeting_versions AS mv
    LEFT JOIN directory AS d ON d.room_id = mv.room_id
    WHERE mv.version_rank = 1
),
booking_versions AS (
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
        local_date(bv.start, COALESCE(d.timezone, 'UTC')) AS local_day
    FROM booking_versions AS bv
    LEFT JOIN directory AS d ON d.room_id = bv.room_id
    WHERE bv.version_rank = 1 AND bv.status = 'accepted'
),
seen AS (
    SELECT room_id FROM heartbeats WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM peripheral_states WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM bookings WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM updates WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM enrollments WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM logs WHERE date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM latest_meetings
    WHERE utc_date BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
        OR local_day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    UNION
    SELECT room_id FROM accepted_bookings
    WHERE local_day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
reported_rooms AS (
    SELECT room_id, timezone, capacity FROM directory
    UNION ALL
    SELECT s.room_id, 'UTC' AS timezone, CAST(NULL AS INTEGER) AS capacity
    FROM seen AS s
    LEFT JOIN directory AS d ON d.room_id = s.room_id
    WHERE d.room_id IS NULL
),
room_days AS (
    SELECT
        rr.room_id,
        rr.capacity,
        dd.local_day,
        date_part('dow', dd.local_day) BETWEEN 1 AND 5 AS is_weekday,
        utc_from_local(
            to_timestamp_seconds(
                CAST(date_part('epoch', CAST(dd.local_day AS TIMESTAMP)) AS BIGINT)
                + CAST($business_start_minute AS BIGINT) * 60
            ),
            rr.timezone
        ) AS business_start,
        utc_from_local(
            to_timestamp_seconds(
                CAST(date_part('epoch', CAST(dd.local_day AS TIMESTAMP)) AS BIGINT)
                + CAST($business_end_minute AS BIGINT) * 60
            ),
            rr.timezone
        ) AS business_end
    FROM reported_rooms AS rr
    CROSS JOIN days AS dd
),
business_days AS (
    SELECT room_id, local_day, business_start, business_end
    FROM room_days
    WHERE is_weekday AND business_start < business_end
),
meeting_spans AS (
    SELECT
        bd.room_id,
        bd.local_day,
        GREATEST(m.start, bd.business_start) AS span_start,
        LEAST(m."end", bd.business_end) AS span_end
    FROM latest_meetings AS m
    JOIN business_days AS bd
        ON bd.room_id = m.room_id AND m.start < bd.business_end AND m."end" > bd.business_start
),
booking_spans AS (
    SELECT
        bd.room_id,
        bd.local_day,
        GREATEST(b.start, bd.business_start) AS span_start,
        LEAST(b."end", bd.business_end) AS span_end
    FROM accepted_bookings AS b
    JOIN business_days AS bd
        ON bd.room_id = b.room_id AND bd.local_day = b.local_day
    WHERE b.start < bd.business_end AND b."end" > bd.business_start
),
spans AS (
    SELECT room_id, local_day, 'meetings' AS span_set, span_start, span_end FROM meeting_spans
    UNION ALL
    SELECT room_id, local_day, 'bookings' AS span_set, span_start, span_end FROM booking_spans
    UNION ALL
    SELECT room_id, local_day, 'either' AS span_set, span_start, span_end FROM meeting_spans
    UNION ALL
    SELECT room_id, local_day, 'either' AS span_set, span_start, span_end FROM booking_spans
),
spans_us AS (
    SELECT
        room_id,
        local_day,
        span_set,
        ROUND(date_part('epoch', span_start) * 1000000) AS start_us,
        ROUND(date_part('epoch', span_end) * 1000000) AS end_us
    FROM spans
),
spans_ordered AS (
    SELECT
        room_id,
        local_day,
        span_set,
        start_us,
        end_us,
        MAX(end_us) OVER (
            PARTITION BY room_id, local_day, span_set
            ORDER BY start_us, end_us
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS covered_until
    FROM spans_us
),
coverage AS (
    SELECT
        room_id,
        local_day,
        SUM(CASE WHEN span_set = 'meetings' THEN added_us ELSE 0 END) AS meetings_us,
        SUM(CASE WHEN span_set = 'bookings' THEN added_us ELSE 0 END) AS bookings_us,
        SUM(CASE WHEN span_set = 'either' THEN added_us ELSE 0 END) AS either_us
    FROM (
        SELECT
            room_id,
            local_day,
            span_set,
            GREATEST(0, end_us - GREATEST(start_us, COALESCE(covered_until, start_us))) AS added_us
        FROM spans_ordered
    ) AS added
    GROUP BY room_id, local_day
),
booking_use AS (
    SELECT
        b.room_id,
        b.local_day,
        COUNT(*) AS bookings,
        SUM(CASE WHEN b.overlapping_meetings = 0 THEN 1 ELSE 0 END) AS no_show_bookings
    FROM (
        SELECT ab.booking_id, ab.room_id, ab.local_day, COUNT(m.meeting_id) AS overlapping_meetings
        FROM accepted_bookings AS ab
        LEFT JOIN latest_meetings AS m
            ON m.room_id = ab.room_id AND m.start < ab."end" AND m."end" > ab.start
        WHERE ab.local_day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
        GROUP BY ab.booking_id, ab.room_id, ab.local_day
    ) AS b
    GROUP BY b.room_id, b.local_day
),
occupancy AS (
    SELECT
        m.room_id,
        m.local_day,
        AVG(100.0 * CAST(m.people_count AS DOUBLE) / CAST(d.capacity AS DOUBLE)) AS avg_occupancy_pct
    FROM latest_meetings AS m
    JOIN directory AS d ON d.room_id = m.room_id
    WHERE m.people_count IS NOT NULL
        AND m.local_day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    GROUP BY m.room_id, m.local_day
),
measured AS (
    SELECT
        rd.room_id,
        rd.local_day,
        CASE
            WHEN rd.is_weekday AND rd.business_start < rd.business_end THEN
                CAST(FLOOR(ROUND((date_part('epoch', rd.business_end) - date_part('epoch', rd.business_start)) * 1000000) / 60000000) AS BIGINT)
            ELSE 0
        END AS business_minutes,
        CAST(FLOOR(COALESCE(c.meetings_us, 0) / 60000000) AS BIGINT) AS occupied_minutes,
        CAST(FLOOR(COALESCE(c.bookings_us, 0) / 60000000) AS BIGINT) AS booked_minutes,
        CAST(FLOOR((COALESCE(c.either_us, 0) - COALESCE(c.meetings_us, 0)) / 60000000) AS BIGINT) AS booked_unused_minutes,
        CAST(FLOOR((COALESCE(c.bookings_us, 0) + COALESCE(c.meetings_us, 0) - COALESCE(c.either_us, 0)) / 60000000) AS BIGINT) AS booked_occupied_minutes,
        CAST(FLOOR((COALESCE(c.either_us, 0) - COALESCE(c.bookings_us, 0)) / 60000000) AS BIGINT) AS occupied_only_minutes,
        COALESCE(bu.no_show_bookings, 0) AS no_show_bookings,
        COALESCE(bu.bookings, 0) AS bookings,
        o.avg_occupancy_pct
    FROM room_days AS rd
    LEFT JOIN coverage AS c ON c.room_id = rd.room_id AND c.local_day = rd.local_day
    LEFT JOIN booking_use AS bu ON bu.room_id = rd.room_id AND bu.local_day = rd.local_day
    LEFT JOIN occupancy AS o ON o.room_id = rd.room_id AND o.local_day = rd.local_day
)
SELECT
    room_id,
    local_day AS "date",
    business_minutes,
    occupied_minutes,
    CASE
        WHEN business_minutes > 0 THEN 100.0 * CAST(occupied_minutes AS DOUBLE) / CAST(business_minutes AS DOUBLE)
    END AS utilization_pct,
    booked_minutes,
    booked_unused_minutes,
    no_show_bookings,
    bookings,
    avg_occupancy_pct,
    booked_occupied_minutes,
    booked_unused_minutes AS booked_only_minutes,
    occupied_only_minutes,
    business_minutes - booked_occupied_minutes - booked_unused_minutes - occupied_only_minutes AS idle_minutes
FROM measured
ORDER BY room_id, local_day
