#!/usr/bin/env bash
# Independent recomputation of the room health, meeting impact and failure statistics reports
# (and utilization_daily's space split) on a simulated fleet with faults:
#
#   benches/scripts/health_check.sh [ROOMS] [DAYS] [START]    (default 50 rooms × 14 days from
#                                                             2026-10-19: both the EU and the US
#                                                             DST changes fall inside)
#
# Simulates the fleet (with its faults), ingests it, loads the room directory, runs detection
# over the range (so the lake has incidents), adds maintenance windows over some of those
# incidents (`roomsight maintenance add`), then runs benches/scripts/health_recompute.py,
# which compares every row of every new report with its own recomputation from the Parquet
# files and prints each report's time next to the recomputation's. ROOMSIGHT_BIN picks the
# binary (default: the dev build in the target dir); the lake goes to ROOMSIGHT_BENCH_DIR
# (default ~/.cache/roomsight/bench). PYTHON is the venv's python by default.
set -euo pipefail
cd "$(dirname "$0")/../.."
rooms="${1:-50}"
days="${2:-14}"
start="${3:-2026-10-19}"
bin="${ROOMSIGHT_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/roomsight/target}/debug/roomsight}"
python="${PYTHON:-$HOME/.cache/roomsight/venv/bin/python}"
work="${ROOMSIGHT_BENCH_DIR:-$HOME/.cache/roomsight/bench}/health-$rooms-$days-$start"
last=$(date -u -d "$start + $((days - 1)) days" +%F)
mkdir -p "$work"
if [ ! -f "$work/lake.done" ]; then
  rm -rf "$work/lake" "$work/fleet"
  "$bin" simulate --rooms "$rooms" --days "$days" --start "$start" --seed 3 --out "$work/fleet"
  "$bin" ingest --lake "$work/lake" --file "$work/fleet/events.ndjson" --once
  "$bin" rooms load --lake "$work/lake" "$work/fleet/rooms.csv"
  "$bin" detect --lake "$work/lake" --from "$start" --to "$last"
  touch "$work/lake.done"
fi
if [ ! -f "$work/maintenance.done" ]; then
  # The simulator adds no maintenance windows, so add some after detection (as for work recorded
  # after the fact: the incidents already opened stay), over the first critical incidents of the
  # lake, so that room_health_daily's subtraction is exercised: a room-wide window over part of
  # an incident, one for the incident's device, two overlapping ones, and one for another room at
  # the same time (which must subtract nothing from the incident's room).
  "$python" - "$work/lake" "$work/fleet/rooms.csv" <<'PY' | while read -r room device from to reason; do
import csv, datetime as dt, sys
import duckdb
lake, rooms_csv = sys.argv[1], sys.argv[2]
rooms = sorted(r["room_id"] for r in csv.DictReader(open(rooms_csv)))
rows = duckdb.connect().execute(
    f"""SELECT incident_id, room_id, coalesce(peripheral_id, device_id), min(event_at)
        FROM read_parquet('{lake}/incidents/events/*.parquet')
        WHERE state = 'open' AND severity = 'critical'
        GROUP BY ALL ORDER BY incident_id LIMIT 12""").fetchall()
fmt = lambda t: t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
m = dt.timedelta(minutes=1)
for i, (iid, room, device, start) in enumerate(rows):
    other = rooms[(rooms.index(room) + 1) % len(rooms)] if room in rooms else rooms[0]
    windows = [
        [(room, "-", start + 10 * m, start + 40 * m)],
        [(room, device, start - 30 * m, start + 25 * m)],
        [(room, "-", start, start + 20 * m), (room, "-", start + 10 * m, start + 50 * m)],
        [(other, "-", start - 60 * m, start + 120 * m)],
    ][i % 4]
    for r, d, a, b in windows:
        print(r, d, fmt(a), fmt(b), f"health_check:{iid}")
PY
    if [ "$device" = "-" ]; then
      "$bin" maintenance add --lake "$work/lake" --room "$room" --from "$from" --to "$to" --reason "$reason" --created-by health_check >/dev/null
    else
      "$bin" maintenance add --lake "$work/lake" --room "$room" --device "$device" --from "$from" --to "$to" --reason "$reason" --created-by health_check >/dev/null
    fi
  done
  touch "$work/maintenance.done"
fi
echo "recomputing over $rooms rooms × $days days ($start … $last), lake $work/lake"
"$python" benches/scripts/health_recompute.py --lake "$work/lake" --bin "$bin" --from "$start" --to "$last"
