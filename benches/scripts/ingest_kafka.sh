#!/usr/bin/env bash
# Ingest throughput through Apache Kafka: one simulated fleet produced into a topic of P
# partitions on a local broker (scripts/kafka-broker), then drained into a fresh lake by N ingest
# processes of one consumer group (`ingest --once`), for every P and N asked for. Prints one
# Markdown table row per run: wall time, events/s and MiB/s of the group, the ingest processes'
# CPU seconds, events and MiB per CPU-second (per core), and the largest process's peak RSS.
#
#   benches/scripts/ingest_kafka.sh [ROOMS] [DAYS]      (default 200 rooms × 1 day)
#
#   PARTITIONS="4 12"   topic sizes to run
#   PROCESSES="1 2"     ingest processes per run
#   REPEAT=1            runs of each combination
#
# Each run checks before its row is printed that the lake holds exactly the fleet's distinct valid
# event ids (check_lake.py); a run that does not fails the script. The broker runs on the same
# two cores and its CPU is not counted in the per-core figures (the wall-clock ones include
# the contention). ROOMSIGHT_BIN overrides the binary (default: the release build). Work goes to
# ${ROOMSIGHT_BENCH_DIR:-~/.cache/roomsight/bench}/ingest-kafka-R-D; the broker's log is kept there.
set -euo pipefail
cd "$(dirname "$0")/../.."
rooms="${1:-200}"
days="${2:-1}"
partitions="${PARTITIONS:-4 12}"
processes="${PROCESSES:-1 2}"
repeat="${REPEAT:-1}"
source benches/scripts/lib.sh
bench_binary
work="${ROOMSIGHT_BENCH_DIR:-$HOME/.cache/roomsight/bench}/ingest-kafka-$rooms-$days"
mkdir -p "$work"

sim=(--rooms "$rooms" --days "$days" --start 2026-11-02 --seed 1 --duplicates 0.01 --late 0.01)
if [ ! -f "$work/fleet/events.ndjson" ]; then
  "$ROOMSIGHT_BIN" simulate "${sim[@]}" --out "$work/fleet" > /dev/null
fi
messages=$(wc -l < "$work/fleet/events.ndjson")
# Payload bytes: the NDJSON file without its newlines.
payload=$(($(stat -c %s "$work/fleet/events.ndjson") - messages))

start_broker "$work/kafka"

echo "$rooms rooms x $days days: $messages messages, $((payload / 1048576)) MiB of payload; broker log $work/kafka/broker.log"
echo
echo "| partitions | processes | seconds | events/s | MiB/s | ingest CPU s | events/CPU-s | MiB/CPU-s | peak RSS MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for p in $partitions; do
  topic="telemetry-p$p"
  scripts/kafka-broker topic "$port" "$topic" "$p" > /dev/null
  # The producer batches as librdkafka does by default; it is not what is measured.
  "$ROOMSIGHT_BIN" simulate "${sim[@]}" --brokers "127.0.0.1:$port" --topic "$topic" > /dev/null
  for n in $processes; do
    for r in $(seq 1 "$repeat"); do
      lake="$work/lake-p$p-n$n-r$r"
      rm -rf "$lake" "$work/times"
      mkdir -p "$work/times"
      began=$(date +%s.%N)
      for i in $(seq 1 "$n"); do
        /usr/bin/time -f "%e %U %S %M" -o "$work/times/$i" \
          "$ROOMSIGHT_BIN" ingest --lake "$lake" --brokers "127.0.0.1:$port" --topic "$topic" \
          --group "bench-p$p-n$n-r$r" --once > /dev/null &
        pids+=("$!")
      done
      wait "${pids[@]}"
      pids=()
      ended=$(date +%s.%N)
      "$python" benches/scripts/check_lake.py --lake "$lake" --bin "$ROOMSIGHT_BIN" \
        --input "$work/fleet/events.ndjson" > "$work/times/check" ||
        { cat "$work/times/check" >&2; exit 1; }
      "$python" - "$p" "$n" "$messages" "$payload" "$began" "$ended" "$work/times" <<'PY'
import sys
from pathlib import Path
p, n, messages, payload, began, ended, times = sys.argv[1:]
messages, mib = int(messages), int(payload) / 2**20
wall = float(ended) - float(began)
cpu, rss = 0.0, 0
for i in range(1, int(n) + 1):
    _, user, system, kb = Path(times, str(i)).read_text().split()
    cpu += float(user) + float(system)
    rss = max(rss, int(kb) // 1024)
print(f"| {p} | {n} | {wall:.1f} | {messages / wall:,.0f} | {mib / wall:.1f} | {cpu:.1f} | "
      f"{messages / cpu:,.0f} | {mib / cpu:.1f} | {rss} |")
PY
      rm -rf "$lake"
    done
  done
done
echo
echo "reproduce: PARTITIONS=\"$partitions\" PROCESSES=\"$processes\" benches/scripts/ingest_kafka.sh $rooms $days"
