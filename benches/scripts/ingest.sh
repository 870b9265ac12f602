#!/usr/bin/env bash
# End-to-end ingest benchmark: NDJSON file → validated, scrubbed, deduplicated Parquet lake,
# with the default batch settings. Prints events/s, MB/s, CPU per core and peak RSS.
#
#   benches/scripts/ingest.sh [ROOMS] [DAYS]      (default 200 rooms × 2 days)
#
# Builds the release binary (ROOMSIGHT_BIN overrides it), simulates the fleet once into a cache
# directory, then times `roomsight ingest --file` into a fresh lake with GNU time. Before it prints
# a figure it checks the lake it measured: the lake's distinct event ids must be exactly the
# input's distinct valid ids (check_lake.py, DuckDB from the venv, PYTHON overrides it); the
# script fails otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
rooms="${1:-200}"
days="${2:-2}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/roomsight/target}"
if [ -z "${ROOMSIGHT_BIN:-}" ]; then
  cargo build --release --locked --quiet --bin roomsight
  ROOMSIGHT_BIN="$CARGO_TARGET_DIR/release/roomsight"
fi
python="${PYTHON:-$HOME/.cache/roomsight/venv/bin/python}"
work="${ROOMSIGHT_BENCH_DIR:-$HOME/.cache/roomsight/bench}/ingest-$rooms-$days"
mkdir -p "$work"
if [ ! -s "$work/fleet/events.ndjson" ]; then
  "$ROOMSIGHT_BIN" simulate --rooms "$rooms" --days "$days" --start 2026-11-02 --seed 1 \
    --duplicates 0.01 --late 0.01 --out "$work/fleet" >/dev/null
fi
rm -rf "$work/lake"
events_file="$work/fleet/events.ndjson"
bytes=$(stat -c %s "$events_file")
lines=$(wc -l < "$events_file")
/usr/bin/time -f "%e %U %S %M" -o "$work/time" \
  "$ROOMSIGHT_BIN" ingest --lake "$work/lake" --file "$events_file" > "$work/out"
read -r wall user sys rss_kb < "$work/time"
"$python" benches/scripts/check_lake.py --lake "$work/lake" --bin "$ROOMSIGHT_BIN" --input "$events_file"
python3 - "$lines" "$bytes" "$wall" "$user" "$sys" "$rss_kb" "$rooms" "$days" <<'PY'
import sys
lines, size, wall, user, sys_, rss, rooms, days = sys.argv[1:]
lines, size, wall, cpu, rss = int(lines), int(size), float(wall), float(user) + float(sys_), int(rss)
print(f"ingest {rooms} rooms x {days} days: {lines:,} messages, {size / 2**20:,.0f} MiB of NDJSON")
print(f"  wall {wall:.2f} s: {lines / wall:,.0f} events/s, {size / 2**20 / wall:,.1f} MiB/s end to end")
print(f"  cpu  {cpu:.2f} s: {lines / cpu:,.0f} events/s and {size / 2**20 / cpu:,.1f} MiB/s per core-second")
print(f"  peak RSS {rss / 1024:,.0f} MiB")
PY
cat "$work/out" | head -1
