#!/usr/bin/env bash
# The Numenta Anomaly Benchmark (NAB v1.1) with NAB's own scorer: runs `roomsight models score`
# on every NAB data file (58 real and artificial series), writes the scores in NAB's results
# layout under the detector name `roomsight`, and runs NAB's threshold optimiser, scorer and
# normalisation (profiles standard, reward_low_FP_rate, reward_low_FN_rate), then prints our
# scores beside the published ones of NAB's own results/final_results.json.
#
#   benches/scripts/nab.sh [NAB_DIR]     (or NAB_DIR=…; a clone of github.com/numenta/NAB)
#
# NAB's code and data are never copied into this repository: the script works on a copy of
# NAB_DIR in a temporary directory (NAB_WORK to keep it elsewhere), adds the detector there and
# leaves NAB_DIR untouched. NAB_DIR may be a work tree or a bare git directory (then HEAD is
# exported). One configuration for all 58 series: the defaults of `models score`, plus any
# flags in SCORE_ARGS (e.g. SCORE_ARGS="--parts level,seasonal" for an ablation; set
# DETECTOR=roomsightLevel with it so the runs do not overwrite each other; NAB detector names
# must not contain `_`).
#
# NAB's scorer needs pandas 2 (pandas 3's copy-on-write breaks its labeler) and simplejson, in
# the venv at ~/.cache/roomsight/venv (PYTHON overrides the interpreter); installed if missing.
# Uses ROOMSIGHT_BIN when set, else builds the dev binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
nab="${1:-${NAB_DIR:-}}"
if [ -z "$nab" ] || [ ! -d "$nab" ]; then
  echo "usage: benches/scripts/nab.sh NAB_DIR (a clone of https://github.com/numenta/NAB)" >&2
  exit 2
fi
detector="${DETECTOR:-roomsight}"
case "$detector" in *_*) echo "DETECTOR must not contain _ (NAB splits file names on it)" >&2; exit 2 ;; esac
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/roomsight/target}"
if [ -z "${ROOMSIGHT_BIN:-}" ]; then
  cargo build --quiet --locked --bin roomsight
  ROOMSIGHT_BIN="$CARGO_TARGET_DIR/debug/roomsight"
fi
bin="$ROOMSIGHT_BIN"
for v in $(env | grep -o '^ROOMSIGHT_[A-Z_]*' | grep -v '^ROOMSIGHT_BIN$'); do unset "$v"; done
export ROOMSIGHT_LOG=warn
venv="${ROOMSIGHT_VENV:-$HOME/.cache/roomsight/venv}"
python="${PYTHON:-$venv/bin/python}"
if ! "$python" -c "import pandas, simplejson, sys; sys.exit(0 if pandas.__version__.startswith('2.') else 1)" >/dev/null 2>&1; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pandas>=2,<3" simplejson
  python="$venv/bin/python"
fi

work="${NAB_WORK:-$(mktemp -d /tmp/roomsight-nab.XXXXXX)}"
mkdir -p "$work"
if [ ! -f "$work/run.py" ]; then
  if [ -f "$nab/HEAD" ] && [ -d "$nab/objects" ]; then # a bare git directory
    git --git-dir="$nab" archive HEAD | tar -x -C "$work"
  elif [ -d "$nab/.git" ]; then
    git -C "$nab" archive HEAD | tar -x -C "$work"
  else
    cp -r "$nab"/. "$work"/
  fi
fi
echo "NAB copy: $work" >&2
# The published scores, before our run adds to the file.
published="$work/published_final_results.json"
[ -f "$published" ] || cp "$work/results/final_results.json" "$published"

# 1. Score every data file.
rm -rf "${work:?}/results/$detector"
start=$(date +%s.%N)
files=0
points=0
while IFS= read -r f; do
  rel="${f#"$work/data/"}"
  cat_dir=$(dirname "$rel")
  name=$(basename "$rel")
  mkdir -p "$work/results/$detector/$cat_dir"
  # shellcheck disable=SC2086
  "$bin" models score --input "$f" --output "$work/results/$detector/$cat_dir/${detector}_$name.scored" ${SCORE_ARGS:-}
  files=$((files + 1))
  points=$((points + $(awk 'END { print NR - 1 }' "$f")))
done < <(find "$work/data" -name '*.csv' | sort)
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
echo "scored $files files, $points points in ${elapsed}s (roomsight models score, one process per file)" >&2

# 2. NAB's results layout: timestamp,value,anomaly_score,label (label 1 inside a labelled
#    window, as NAB's own detectors write it; the scorer reads the labels from NAB itself).
"$python" - "$work" "$detector" <<'PY'
import csv, json, os, sys
work, det = sys.argv[1], sys.argv[2]
windows = json.load(open(os.path.join(work, "labels", "combined_windows.json")))
root = os.path.join(work, "results", det)
for dirpath, _, names in os.walk(root):
    for n in names:
        if not n.endswith(".csv.scored"):
            continue
        src = os.path.join(dirpath, n)
        rel = os.path.relpath(src, root)[: -len(".scored")]
        data_rel = os.path.join(os.path.dirname(rel), os.path.basename(rel)[len(det) + 1 :])
        wins = [(a[:19], b[:19]) for a, b in windows[data_rel]]
        with open(src) as fi, open(src[: -len(".scored")], "w", newline="") as fo:
            r = csv.DictReader(fi)
            w = csv.writer(fo)
            w.writerow(["timestamp", "value", "anomaly_score", "label"])
            for row in r:
                ts = row["timestamp"]
                label = int(any(a <= ts <= b for a, b in wins))
                w.writerow([ts, row["value"], row["score"], label])
        os.remove(src)
PY

# 3. NAB's optimiser, scorer and normalisation (null results ship with NAB).
(cd "$work" && "$python" -W ignore run.py -d "$detector" --optimize --score --normalize --skipConfirmation 2>&1 | grep -v Warning | grep -E "^(Optimizer|Final score)" >&2)

# 4. Our scores beside the published ones.
"$python" - "$work" "$detector" "$published" <<'PY'
import json, sys
work, det, pub = sys.argv[1], sys.argv[2], sys.argv[3]
ours = json.load(open(f"{work}/results/final_results.json"))[det]
thr = json.load(open(f"{work}/config/thresholds.json"))[det]
rows = json.load(open(pub))
rows[det] = ours
profiles = ["standard", "reward_low_FP_rate", "reward_low_FN_rate"]
print(f"| detector | {' | '.join(profiles)} |")
print("| --- | ---: | ---: | ---: |")
for name, s in sorted(rows.items(), key=lambda kv: -kv[1]["standard"]):
    mark = "**" if name == det else ""
    print(f"| {mark}{name}{mark} | " + " | ".join(f"{mark}{s[p]:.1f}{mark}" for p in profiles) + " |")
print()
print(f"{det} thresholds chosen by NAB's optimiser: "
      + ", ".join(f"{p} {thr[p]['threshold']:.4f}" for p in profiles))
PY
