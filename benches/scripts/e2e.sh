#!/usr/bin/env bash
# End-to-end benchmark: a simulated fleet streamed through Apache Kafka (one local broker, run by
# scripts/kafka-broker from the jars it resolves once; Java 17 and Maven needed) into the lake by
# a consumer group of ingest processes, then compaction, the full report set (side by side with
# DuckDB on the same files) and detection. Prints the steps' times and peak memory and a summary
# per fleet size; run it for several sizes to get the README's curve. It fails if the compacted
# lake's distinct event ids differ from the fleet's distinct valid ids (check_lake.py) or if a
# report's values differ from DuckDB's (reports_duckdb.py).
#
#   benches/scripts/e2e.sh ROOMS DAYS [PROCESSES]     (default 50 rooms × 7 days, 1 process)
#
# The producer batches as librdkafka does by default, whatever the number of processes. The
# broker's log is kept in the work directory (kafka/broker.log).
#
# ROOMSIGHT_BIN overrides the binary (default: a release build); PARTITIONS (4) sets the
# topic's partitions; LAKE=s3://bucket/prefix runs against S3 (AWS_* settings from the
# environment) instead of a local directory. Results go to $ROOMSIGHT_BENCH_DIR/e2e-R-D/
# (default ~/.cache/roomsight/bench) and one JSON line is appended to e2e-results.jsonl there
# (files and bytes are counted on local lakes only; `lake status` in steps/ has them for S3, and
# on S3 the reports run without the DuckDB side).
set -euo pipefail
cd "$(dirname "$0")/../.."
rooms="${1:-50}"
days="${2:-7}"
procs="${3:-1}"
partitions="${PARTITIONS:-4}"
start="2026-10-05"
source benches/scripts/lib.sh
bench_binary
bench="${ROOMSIGHT_BENCH_DIR:-$HOME/.cache/roomsight/bench}"
work="$bench/e2e-$rooms-$days"
mkdir -p "$work"
rm -rf "$work/lake" "$work/steps"
mkdir -p "$work/steps"
lake="${LAKE:-$work/lake}"
last=$(date -u -d "$start + $((days - 1)) days" +%F)

step() { # step NAME CMD…: runs CMD under GNU time; records and prints wall seconds and peak RSS
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$work/steps/$name.time" "$@" > "$work/steps/$name.out"
  read -r wall rss_kb < "$work/steps/$name.time"
  printf '  %-26s %8.1f s %8.0f MiB\n' "$name" "$wall" "$((rss_kb / 1024))"
}

sim=(--rooms "$rooms" --days "$days" --start "$start" --seed 1 --duplicates 0.01 --late 0.01)
echo "== $rooms rooms x $days days ($start .. $last), $partitions partitions, $procs ingest processes, lake $lake"
step simulate "$ROOMSIGHT_BIN" simulate "${sim[@]}" --out "$work/fleet"
messages=$(wc -l < "$work/fleet/events.ndjson")
ndjson_bytes=$(stat -c %s "$work/fleet/events.ndjson")

start_broker "$work/kafka"
scripts/kafka-broker topic "$port" room-telemetry "$partitions"
kafka=(--brokers "127.0.0.1:$port" --topic room-telemetry)

# The stream: the same fleet produced into the topic (the producer is not what is measured).
step produce "$ROOMSIGHT_BIN" simulate "${sim[@]}" "${kafka[@]}"

# The consumer group: PROCESSES ingest processes, each until its partitions are caught up.
began=$(date +%s.%N)
for i in $(seq 1 "$procs"); do
  /usr/bin/time -f "%e %M" -o "$work/steps/ingest-$i.time" \
    "$ROOMSIGHT_BIN" ingest --lake "$lake" "${kafka[@]}" --once > "$work/steps/ingest-$i.out" &
  pids+=("$!")
done
wait "${pids[@]}"
pids=()
ended=$(date +%s.%N)
ingest_s=$("$python" -c "print(f'{$ended - $began:.1f}')")
ingest_rss=$(cat "$work"/steps/ingest-*.time | awk '{ if ($2 > m) m = $2 } END { print int(m / 1024) }')
printf '  %-26s %8.1f s %8d MiB  (%s processes; the largest)\n' ingest "$ingest_s" "$ingest_rss" "$procs"
kill "$broker" 2>/dev/null || true

step rooms "$ROOMSIGHT_BIN" rooms load --lake "$lake" "$work/fleet/rooms.csv"
step compact "$ROOMSIGHT_BIN" compact --lake "$lake"
step status "$ROOMSIGHT_BIN" lake status --lake "$lake"
# The lake must hold exactly the fleet's distinct valid events, or no figure below counts.
"$python" benches/scripts/check_lake.py --lake "$lake" --bin "$ROOMSIGHT_BIN" \
  --input "$work/fleet/events.ndjson" | sed 's/^/  /'
# Detection first, so incident_summary has incidents to count.
step detect "$ROOMSIGHT_BIN" detect --lake "$lake" --from "$start" --to "$last"

reports="usage_daily,utilization_daily,call_quality_daily,device_reliability_daily,peripheral_reliability,inventory,update_compliance,health_overview,health_overview_summary,incident_summary"
# On S3 only roomsight's side runs: DuckDB would need its httpfs extension (and the network).
"$python" benches/scripts/reports_duckdb.py --lake "$lake" --bin "$ROOMSIGHT_BIN" \
  --reports "$reports" --from "$start" --to "$last" --as-of "${last}T12:00:00Z" \
  --rooms-csv "$work/fleet/rooms.csv" --json "$work/reports.json" | sed 's/^/  /'

"$python" - "$work" "$rooms" "$days" "$procs" "$partitions" "$messages" "$ndjson_bytes" "$ingest_s" "$ingest_rss" "$lake" <<'PY'
import json, sys
from pathlib import Path
work, rooms, days, procs, partitions, messages, ndjson, ingest_s, ingest_rss, lake = sys.argv[1:]
steps = Path(work, "steps")
def timed(name):
    wall, rss = Path(steps, f"{name}.time").read_text().split()
    return float(wall), int(rss) // 1024
lake_dir = Path(lake)
data = [p for p in lake_dir.rglob("*.parquet") if "_roomsight" not in p.parts] if lake_dir.exists() else []
row = {
    "rooms": int(rooms), "days": int(days), "processes": int(procs), "partitions": int(partitions),
    "messages": int(messages), "ndjson_mib": round(int(ndjson) / 2**20, 1),
    "ingest_s": float(ingest_s), "ingest_events_per_s": round(int(messages) / float(ingest_s)),
    "ingest_peak_mib": int(ingest_rss),
    "lake_files": len(data) or None, "lake_mib": round(sum(p.stat().st_size for p in data) / 2**20, 1),
    "compact_s": timed("compact")[0], "compact_peak_mib": timed("compact")[1],
    "detect_s": timed("detect")[0], "detect_peak_mib": timed("detect")[1],
}
reports = Path(work, "reports.json")
if reports.exists():
    rs = json.loads(reports.read_text())
    row["reports"] = {r["report"]: {k: r[k] for k in r if k != "report"} for r in rs}
    ours = sum(r["roomsight_s"] for r in rs)
    duck = sum(r["duckdb_s"] for r in rs) if all(r["duckdb_s"] for r in rs) else None
    row["reports_s"], row["duckdb_s"] = round(ours, 2), duck and round(duck, 2)
    row["reports_ratio"] = round(ours / duck, 2) if duck else None
    row["reports_peak_mib"] = round(max(r["roomsight_rss_mib"] for r in rs))
print()
print(f"summary, {rooms} rooms x {days} days:")
for k, v in row.items():
    if k != "reports":
        print(f"  {k:<22} {v}")
with open(Path(work).parent / "e2e-results.jsonl", "a") as f:
    f.write(json.dumps(row) + "\n")
PY
echo "reproduce: benches/scripts/e2e.sh $rooms $days $procs   (details in $work)"
