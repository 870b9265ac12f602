#!/usr/bin/env bash
# The update gate on a simulated fleet with faults (a bad firmware release, the estate's bad
# day), checked against the simulator's ground truth and update_impact against an independent
# recomputation:
#
#   benches/scripts/update_gate.sh [ROOMS] [DAYS] [START] [SEED]   (default 100 rooms × 28 days
#                                                                  from 2026-11-01, seed 1)
#
# Simulates the fleet, ingests it, loads the room directory, runs detection over the range (so
# the lake has incidents), then runs benches/scripts/update_gate_check.py as of the day after
# the last one: one row per release and ring with its verdict, `roomsight updates gate`'s exit
# code, and what the truth (releases.csv) expects. ROOMSIGHT_BIN picks the binary (default: the
# dev build in the target dir); the lake goes to ROOMSIGHT_BENCH_DIR (default
# ~/.cache/roomsight/bench). PYTHON is the venv's python by default.
set -euo pipefail
cd "$(dirname "$0")/../.."
rooms="${1:-100}"
days="${2:-28}"
start="${3:-2026-11-01}"
seed="${4:-1}"
bin="${ROOMSIGHT_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/roomsight/target}/debug/roomsight}"
python="${PYTHON:-$HOME/.cache/roomsight/venv/bin/python}"
work="${ROOMSIGHT_BENCH_DIR:-$HOME/.cache/roomsight/bench}/gate-$rooms-$days-$start-$seed"
last=$(date -u -d "$start + $((days - 1)) days" +%F)
as_of="$(date -u -d "$start + $days days" +%F)T00:00:00Z"
mkdir -p "$work"
if [ ! -f "$work/lake.done" ]; then
  rm -rf "$work/lake" "$work/fleet"
  "$bin" simulate --rooms "$rooms" --days "$days" --start "$start" --seed "$seed" --out "$work/fleet"
  "$bin" ingest --lake "$work/lake" --file "$work/fleet/events.ndjson" --once
  "$bin" rooms load --lake "$work/lake" "$work/fleet/rooms.csv"
  "$bin" detect --lake "$work/lake" --from "$start" --to "$last"
  touch "$work/lake.done"
fi
echo "update gate over $rooms rooms × $days days ($start … $last, seed $seed) as of $as_of, lake $work/lake"
outage=$(grep -c ',estate_outage,' "$work/fleet/faults.csv" || true)
echo "room systems the estate's bad day took offline (faults.csv estate_outage): $outage"
"$python" benches/scripts/update_gate_check.py --lake "$work/lake" --fleet "$work/fleet" \
  --as-of "$as_of" --roomsight "$bin"
