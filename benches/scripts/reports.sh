#!/usr/bin/env bash
# Report benchmark: the whole report set over a simulated lake, in roomsight (DataFusion) and
# in DuckDB over the same Parquet files with the same SQL, side by side; prints wall time and
# peak RSS per report and engine, and the ratio roomsight / DuckDB (below 1: roomsight faster).
#
#   benches/scripts/reports.sh [ROOMS] [DAYS]      (default 200 rooms × 30 days)
#
# Builds the release binary (ROOMSIGHT_BIN overrides it), simulates the fleet once into a
# cache directory (ROOMSIGHT_BENCH_DIR, default ~/.cache/roomsight/bench), ingests, loads the
# room directory and compacts it once (timed), runs detection once (untimed, so the reports built
# on incidents have some), then runs every report: range reports over all
# simulated days, snapshot reports as of noon UTC on the last day. REPEAT=N keeps the best of N
# runs per report; REPORTS=a,b runs only those. DuckDB comes from the venv scripts/test makes
# (~/.cache/roomsight/venv; PYTHON overrides it). The script fails if the lake's distinct event
# ids differ from the fleet's distinct valid ids (check_lake.py), or if any report's values
# differ from DuckDB's beyond 0.01 % (reports_duckdb.py compares every cell).
set -euo pipefail
cd "$(dirname "$0")/../.."
rooms="${1:-200}"
days="${2:-30}"
start="2026-10-01"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/roomsight/target}"
if [ -z "${ROOMSIGHT_BIN:-}" ]; then
  cargo build --release --locked --quiet --bin roomsight
  ROOMSIGHT_BIN="$CARGO_TARGET_DIR/release/roomsight"
fi
python="${PYTHON:-$HOME/.cache/roomsight/venv/bin/python}"
work="${ROOMSIGHT_BENCH_DIR:-$HOME/.cache/roomsight/bench}/reports-$rooms-$days"
mkdir -p "$work"

step() { # step NAME CMD…: runs CMD under GNU time, prints wall seconds and peak RSS
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/$name.out"
  read -r wall rss_kb < "$work/time"
  printf '%-10s %8.1f s %8.0f MiB\n' "$name" "$wall" "$((rss_kb / 1024))"
}

if [ ! -s "$work/fleet/events.ndjson" ]; then
  step simulate "$ROOMSIGHT_BIN" simulate --rooms "$rooms" --days "$days" --start "$start" --seed 1 \
    --duplicates 0.01 --late 0.01 --out "$work/fleet"
fi
if [ ! -f "$work/lake.done" ]; then
  rm -rf "$work/lake"
  step ingest "$ROOMSIGHT_BIN" ingest --lake "$work/lake" --file "$work/fleet/events.ndjson" --once
  step rooms "$ROOMSIGHT_BIN" rooms load --lake "$work/lake" "$work/fleet/rooms.csv"
  step compact "$ROOMSIGHT_BIN" compact --lake "$work/lake"
  "$python" benches/scripts/check_lake.py --lake "$work/lake" --bin "$ROOMSIGHT_BIN" \
    --input "$work/fleet/events.ndjson"
  # Detection once, so the reports built on incidents (incident_summary, room health, meeting
  # impact, failure statistics) have incidents to count; untimed here (detect_eval.sh times it).
  "$ROOMSIGHT_BIN" detect --lake "$work/lake" --from "$start" \
    --to "$(date -u -d "$start + $((days - 1)) days" +%F)" > "$work/detect.out"
  touch "$work/lake.done"
fi

last=$(date -u -d "$start + $((days - 1)) days" +%F)
all="usage_daily,utilization_daily,call_quality_daily,device_reliability_daily,peripheral_reliability,inventory,update_compliance,health_overview,health_overview_summary,incident_summary,room_health_daily,room_health_summary,meeting_impact,failure_stats"
echo "reports over $rooms rooms x $days days ($start .. $last; snapshots as of ${last}T12:00:00Z), lake $work/lake"
"$python" benches/scripts/reports_duckdb.py --lake "$work/lake" --bin "$ROOMSIGHT_BIN" \
  --reports "${REPORTS:-$all}" --from "$start" --to "$last" --as-of "${last}T12:00:00Z" \
  --rooms-csv "$work/fleet/rooms.csv" --repeat "${REPEAT:-1}" --json "$work/results.json"
echo "reproduce: benches/scripts/reports.sh $rooms $days   (results also in $work/results.json)"
