-- Every enrollment and unenrollment of a room system, in time order, up to `$to_date`.
SELECT device_id, room_id, ts, action
FROM enrollments
WHERE date <= $to_date
ORDER BY device_id, ts
