#!/usr/bin/env bash
# SQL server benchmark: queries per second of a point query through `roomsight serve` (pgbench,
# extended protocol with prepared statements), and the latency of a report query through the
# server (psql \timing) against the same query in-process (`roomsight sql --timing`).
#
#   benches/scripts/serve.sh [ROOMS] [DAYS] [CLIENTS] [SECONDS]   (default 50 × 2, 4 clients, 10 s)
#
# Builds the release binary (ROOMSIGHT_BIN overrides it), simulates and ingests the fleet once
# into a cache directory, then starts the server on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/../.."
rooms="${1:-50}"
days="${2:-2}"
clients="${3:-4}"
seconds="${4:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/roomsight/target}"
if [ -z "${ROOMSIGHT_BIN:-}" ]; then
  cargo build --release --locked --quiet --bin roomsight
  ROOMSIGHT_BIN="$CARGO_TARGET_DIR/release/roomsight"
fi
for v in $(env | grep -o '^ROOMSIGHT_[A-Z_]*' | grep -v '^ROOMSIGHT_BIN$'); do unset "$v"; done
work="${ROOMSIGHT_BENCH_DIR:-$HOME/.cache/roomsight/bench}/serve-$rooms-$days"
mkdir -p "$work"
if [ ! -d "$work/lake/telemetry" ]; then
  rm -rf "$work/fleet" "$work/lake"
  "$ROOMSIGHT_BIN" simulate --rooms "$rooms" --days "$days" --start 2026-11-02 --seed 1 \
    --out "$work/fleet" >/dev/null
  "$ROOMSIGHT_BIN" ingest --lake "$work/lake" --file "$work/fleet/events.ndjson" --once >/dev/null
  "$ROOMSIGHT_BIN" compact --lake "$work/lake" >/dev/null
  "${PYTHON:-$HOME/.cache/roomsight/venv/bin/python}" benches/scripts/check_lake.py \
    --lake "$work/lake" --bin "$ROOMSIGHT_BIN" --input "$work/fleet/events.ndjson"
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PGPASSWORD="bench-$RANDOM-$RANDOM"
"$ROOMSIGHT_BIN" serve --lake "$work/lake" --listen "127.0.0.1:$port" --user bench \
  --password "$PGPASSWORD" --max-connections 64 2>"$work/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q "listening on" "$work/serve.log" && break
  kill -0 "$server" || { cat "$work/serve.log"; exit 1; }
  sleep 0.1
done
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U bench -d roomsight "$@"; }

# The point query: one device's heartbeat count on one day (partition + row-group pruning).
device=$(psql_ -A -t -c "SELECT device_id FROM heartbeats WHERE date = DATE '2026-11-02' LIMIT 1")
cat > "$work/point.sql" <<SQL
SELECT count(*) FROM heartbeats WHERE date = DATE '2026-11-02' AND device_id = '$device';
SQL
echo "point query: $(cat "$work/point.sql")"
pgbench -n -M prepared -c "$clients" -j "$clients" -T "$seconds" -f "$work/point.sql" \
  -h 127.0.0.1 -p "$port" -U bench roomsight > "$work/pgbench.out" 2>&1 || { cat "$work/pgbench.out"; exit 1; }
grep -E "number of transactions actually|number of failed|latency average|^tps" "$work/pgbench.out" | sed 's/^/  /'

# A report query: per room and day, heartbeats, signed-in share and CPU, with the room's site.
report="SELECT r.site, h.room_id, h.date, count(*) AS heartbeats,
  avg(CASE WHEN h.teams_signed_in THEN 1.0 ELSE 0.0 END) AS signed_in_share,
  avg(h.cpu_pct) AS cpu, max(h.temp_c) AS max_temp
FROM heartbeats h LEFT JOIN rooms r ON r.room_id = h.room_id
GROUP BY r.site, h.room_id, h.date ORDER BY h.room_id, h.date"
runs=5
script=""
for _ in $(seq 1 $runs); do script="$script$report;"$'\n'; done
server_ms=$( { echo '\timing on'; echo "$script"; } | psql_ -o /dev/null 2>&1 | grep -o 'Time: [0-9.]*' | awk '{print $2}')
local_ms=$("$ROOMSIGHT_BIN" sql --lake "$work/lake" --timing -e "$script" | grep -o 'Time: [0-9.]*' | awk '{print $2}')
rows=$(psql_ -A -t -c "SELECT count(*) FROM ($report) q")
python3 - "$rows" "$runs" <<PY
import statistics, sys
rows, runs = sys.argv[1:]
server = [float(x) for x in """$server_ms""".split()]
local = [float(x) for x in """$local_ms""".split()]
def show(name, xs):
    warm = xs[1:] or xs
    print(f"  {name:<28} first {xs[0]:8.1f} ms, warm median {statistics.median(warm):8.1f} ms (of {len(xs)})")
print(f"report query ({rows} rows, {runs} runs each):")
show("through the server (psql)", server)
show("in-process (roomsight sql)", local)
print(f"  server / in-process (warm medians): {statistics.median(server[1:] or server) / statistics.median(local[1:] or local):.2f}x")
PY
echo "lake: $work/lake ($rooms rooms x $days days); server log: $work/serve.log"
