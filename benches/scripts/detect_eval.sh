#!/usr/bin/env bash
# Detection evaluation and benchmark: trains the peripheral model on a healthy simulated fleet,
# runs `roomsight detect` on faulty fleets and judges the incidents against faults.csv with
# `roomsight models eval` (per fault type: precision, recall, F1, delay, lead time), counts the
# model incidents on a fault-free fleet, and times detection.
#
#   benches/scripts/detect_eval.sh            (defaults below; every knob is an env variable)
#
#   TUNE_SEEDS="1 2"      seeds the thresholds were tuned on (reported separately)
#   EVAL_SEEDS="7 8 9"    held-out seeds
#   ROOMS=50 DAYS=14      size of each faulty fleet
#   HEALTHY_ROOMS=200 HEALTHY_DAYS=14   the fault-free fleet of the false-alarm check
#   TRAIN_SEED=100        the healthy training fleet (ROOMS × DAYS, --fault-rate 0)
#   BENCH_ROOMS=200 BENCH_DAYS=30       the detection-time benchmark (BENCH_DAYS=0 skips it)
#
# Uses ROOMSIGHT_BIN when set, else builds the dev binary. Every lake it ingests is checked to
# hold exactly the fleet's distinct valid event ids (check_lake.py), or the script fails. Work goes to
# ${ROOMSIGHT_BENCH_DIR:-~/.cache/roomsight/bench}/detect.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/roomsight/target}"
if [ -z "${ROOMSIGHT_BIN:-}" ]; then
  cargo build --quiet --bin roomsight
  ROOMSIGHT_BIN="$CARGO_TARGET_DIR/debug/roomsight"
fi
bin="$ROOMSIGHT_BIN"
python="${PYTHON:-$HOME/.cache/roomsight/venv/bin/python}"
tune="${TUNE_SEEDS:-1 2}"
held="${EVAL_SEEDS:-7 8 9}"
rooms="${ROOMS:-50}"
days="${DAYS:-14}"
h_rooms="${HEALTHY_ROOMS:-200}"
h_days="${HEALTHY_DAYS:-14}"
train_seed="${TRAIN_SEED:-100}"
b_rooms="${BENCH_ROOMS:-200}"
b_days="${BENCH_DAYS:-30}"
start=2026-11-02
work="${ROOMSIGHT_BENCH_DIR:-$HOME/.cache/roomsight/bench}/detect"
mkdir -p "$work"

# fleet NAME SEED ROOMS DAYS [FAULT_RATE]: simulate once, ingest into a fresh lake, load rooms.
fleet() {
  local dir="$work/$1" rate=()
  [ -n "${5:-}" ] && rate=(--fault-rate "$5")
  if [ ! -s "$dir/fleet/events.ndjson" ]; then
    "$bin" simulate --rooms "$3" --days "$4" --start "$start" --seed "$2" "${rate[@]}" \
      --out "$dir/fleet" > /dev/null
  fi
  if [ ! -d "$dir/lake/telemetry" ]; then
    "$bin" ingest --lake "$dir/lake" --file "$dir/fleet/events.ndjson" --once > /dev/null
    "$python" benches/scripts/check_lake.py --lake "$dir/lake" --bin "$bin" \
      --input "$dir/fleet/events.ndjson"
  fi
  if [ ! -d "$dir/lake/rooms" ]; then
    "$bin" rooms load --lake "$dir/lake" "$dir/fleet/rooms.csv" > /dev/null
  fi
  rm -rf "$dir/lake/incidents"
}

echo "== training on a healthy fleet: $rooms rooms × $days days, seed $train_seed"
fleet "train-$train_seed" "$train_seed" "$rooms" "$days" 0
"$bin" models train --lake "$work/train-$train_seed/lake" --out "$work/model.json"

judge() { # judge NAME: detect, then eval
  local dir="$work/$1"
  /usr/bin/time -f "%e s, %M KiB peak" -o "$dir/detect.time" \
    "$bin" detect --lake "$dir/lake" --model "$work/model.json" > "$dir/detect.out"
  "$bin" models eval --lake "$dir/lake" --faults "$dir/fleet/faults.csv" > "$dir/eval.txt"
  "$bin" models eval --lake "$dir/lake" --faults "$dir/fleet/faults.csv" --format json \
    > "$dir/eval.json"
}

for group in tuned held-out; do
  seeds="$tune"
  [ "$group" = held-out ] && seeds="$held"
  for seed in $seeds; do
    fleet "seed-$seed" "$seed" "$rooms" "$days"
    judge "seed-$seed"
    echo
    echo "== $group seed $seed ($rooms rooms × $days days; detect: $(cat "$work/seed-$seed/detect.time"))"
    cat "$work/seed-$seed/eval.txt"
  done
done

echo
echo "== fault-free fleet: $h_rooms rooms × $h_days days, seed 101"
fleet healthy 101 "$h_rooms" "$h_days" 0
judge healthy
grep -E "false model incidents|not judged" "$work/healthy/eval.txt" || true
echo "(no faults are injected, so every incident is false; the model's are peripheral_degrading)"
echo "detect: $(cat "$work/healthy/detect.time")"

if [ "$b_days" != 0 ]; then
  echo
  echo "== detection time: $b_rooms rooms × $b_days days (seed 5)"
  fleet "bench-$b_rooms-$b_days" 5 "$b_rooms" "$b_days"
  judge "bench-$b_rooms-$b_days"
  echo "detect: $(cat "$work/bench-$b_rooms-$b_days/detect.time")"
  head -3 "$work/bench-$b_rooms-$b_days/detect.out"
fi
