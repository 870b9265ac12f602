#!/usr/bin/env bash
# Independent recomputation of the room health, meeting impact and failure statistics reports
# (and utilization_daily's space split) on a simulated fleet with faults:
#
#   benches/scripts/health_check.sh [ROOMS] [DAYS] [START]    (default 50 rooms × 14 days from
#                                                             2026-10-19: both the EU and the US
#                                                             DST changes fall inside)
#
# Simulates the fleet (with its faults), ingests it, loads the room directory, runs detection
# over the range (so the lake has incidents), then runs benches/scripts/health_recompute.py,
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
echo "recomputing over $rooms rooms × $days days ($start … $last), lake $work/lake"
"$python" benches/scripts/health_recompute.py --lake "$work/lake" --bin "$bin" --from "$start" --to "$last"
