#!/usr/bin/env python3
"""A second, untuned check of `roomsight models score`: the Skoltech Anomaly Benchmark (SKAB).

SKAB (github.com/waico/SKAB, GPL-3.0 data, not copied here) records 8 sensors of a water-pump
test bench once a second (vibration RMS, current, pressure, temperatures, voltage, flow rate;
several of them quantised) in 34 experiments, each with one labelled anomalous stretch (a
valve closed, a leak, a rotor imbalance), plus one long anomaly-free run.

    benches/scripts/skab.py SKAB_DIR        (a clone, or its bare git directory; or SKAB_DIR=…)

Rule (events, not points, as for the fleet model): every channel of an experiment is scored on
its own by `roomsight models score` with its defaults, the configuration used for NAB,
unchanged; an experiment raises an alarm at a second when any of its channels does; an alarm
onset is a flagged second whose previous second is not flagged. An onset inside the labelled
stretch is a true alarm (the stretch counts as detected, once), any other onset a false alarm.
Reported: stretches detected (recall), true onsets / all onsets (precision), F1, the median
delay of the first true onset from the start of the stretch, and false onsets per 1,000 s on
the anomaly-free run. No score is given during the first 15 % of a series (the probation of
`models score`); the baseline gets the same.

Baseline: a rolling robust z-score per channel, |x − median| / (1.4826 MAD) of the previous
400 seconds (MAD floored at 1e-9; and a second variant floored by roomsight's spread floor, so
the comparison is not only about quantised channels dividing by 0), flagged at or above k,
onsets counted as above. It is reported for k = 3, 4, 5, 6 and 8 (the best of them is the bar
to beat, which favours the baseline: its threshold is picked on this corpus, ours is not).

ROOMSIGHT_BIN is the binary (default: the dev build in ~/.cache/roomsight/target); SCORE_ARGS
adds flags to `models score` (for ablations only: the reported figures use none).
"""

import csv
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile

CHANNELS = [
    "Accelerometer1RMS",
    "Accelerometer2RMS",
    "Current",
    "Pressure",
    "Temperature",
    "Thermocouple",
    "Voltage",
    "Volume Flow RateRMS",
]
PROBATION = 0.15
BASE_WINDOW = 400


def skab_files(root):
    """Yields (name, rows) for every experiment and the anomaly-free run."""
    if os.path.isdir(os.path.join(root, "data")):  # a work tree; else a bare git directory
        base = os.path.join(root, "data")
        def read(rel):
            return open(os.path.join(base, rel), newline="").read()
        rels = []
        for group in ("valve1", "valve2", "other", "anomaly-free"):
            for n in sorted(os.listdir(os.path.join(base, group))):
                if n.endswith(".csv"):
                    rels.append(f"{group}/{n}")
    else:  # a bare git directory
        out = subprocess.run(["git", "--git-dir", root, "archive", "HEAD", "data"],
                             check=True, capture_output=True).stdout
        tar = tarfile.open(fileobj=io.BytesIO(out))
        members = {m.name[len("data/"):]: m for m in tar.getmembers() if m.name.endswith(".csv")}
        def read(rel):
            return tar.extractfile(members[rel]).read().decode()
        rels = sorted(r for r in members if r.split("/")[0] in ("valve1", "valve2", "other", "anomaly-free"))
    for rel in rels:
        rows = list(csv.DictReader(io.StringIO(read(rel)), delimiter=";"))
        yield rel, rows


def roomsight_flags(binary, rows, channel, tmp):
    src = os.path.join(tmp, "in.csv")
    dst = os.path.join(tmp, "out.csv")
    with open(src, "w") as f:
        f.write("timestamp,value\n")
        for r in rows:
            f.write(f"{r['datetime']},{r[channel]}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMSIGHT_")}
    env["ROOMSIGHT_LOG"] = "warn"
    extra = os.environ.get("SCORE_ARGS", "").split()
    subprocess.run([binary, "models", "score", "--input", src, "--output", dst, *extra],
                   check=True, env=env)
    with open(dst) as f:
        return [r["anomaly"] == "1" for r in csv.DictReader(f)]


def baseline_scores(values, floored):
    """|x − median| / spread over the previous BASE_WINDOW values; the spread is the MAD
    (×1.4826) floored at 1e-9, or, when `floored`, at roomsight's spread floor (the largest of
    1e-9, 0.1 % of the median |x| and half the median nonzero step)."""
    out = []
    for i, x in enumerate(values):
        hist = values[max(0, i - BASE_WINDOW):i]
        if len(hist) < 16:
            out.append(0.0)
            continue
        m = statistics.median(hist)
        spread = statistics.median(abs(v - m) for v in hist) * 1.4826
        floor = 1e-9
        if floored:
            steps = [abs(b - a) for a, b in zip(hist, hist[1:]) if b != a]
            floor = max(floor, 0.001 * statistics.median(abs(v) for v in hist),
                        0.5 * statistics.median(steps) if steps else 0.0)
        out.append(abs(x - m) / max(spread, floor))
    return out


def onsets(flags):
    return [i for i, f in enumerate(flags) if f and (i == 0 or not flags[i - 1])]


def judge(results):
    """results: list of (rel, labels, flags). Returns the figures of the rule above."""
    detected = events = true_on = all_on = free_on = 0
    free_len = 0
    delays = []
    for rel, labels, flags in results:
        on = onsets(flags)
        if rel.startswith("anomaly-free"):
            free_on += len(on)
            free_len += len(flags)
            continue
        seg = [i for i, l in enumerate(labels) if l]
        if not seg:
            all_on += len(on)
            continue
        lo, hi = seg[0], seg[-1]
        events += 1
        inside = [i for i in on if lo <= i <= hi]
        # An alarm that was already raised when the stretch began counts too.
        if flags[lo] and lo not in inside:
            inside.insert(0, lo)
        if inside:
            detected += 1
            delays.append(inside[0] - lo)
        true_on += len(inside)
        all_on += len(on) + (1 if flags[lo] and lo not in on else 0)
    recall = detected / events if events else 0.0
    precision = true_on / all_on if all_on else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "events": events,
        "detected": detected,
        "recall": recall,
        "precision": precision,
        "f1": f1,
        "onsets": all_on,
        "median_delay_s": statistics.median(delays) if delays else None,
        "false_per_1000s_free": 1000 * free_on / free_len if free_len else None,
    }


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SKAB_DIR")
    if not root:
        sys.exit("usage: benches/scripts/skab.py SKAB_DIR (a clone of https://github.com/waico/SKAB)")
    binary = os.environ.get("ROOMSIGHT_BIN", os.path.expanduser("~/.cache/roomsight/target/debug/roomsight"))
    ks = (3, 4, 5, 6, 8)
    ours = []
    base = {(k, fl): [] for fl in (False, True) for k in ks}
    with tempfile.TemporaryDirectory() as tmp:
        for rel, rows in skab_files(root):
            n = len(rows)
            labels = [float(r.get("anomaly") or 0) > 0 for r in rows]
            prob = int(PROBATION * n)
            any_flag = [False] * n
            base_max = {False: [0.0] * n, True: [0.0] * n}
            for ch in CHANNELS:
                flags = roomsight_flags(binary, rows, ch, tmp)
                any_flag = [a or b for a, b in zip(any_flag, flags)]
                for fl in (False, True):
                    z = baseline_scores([float(r[ch]) for r in rows], fl)
                    base_max[fl] = [max(a, b) for a, b in zip(base_max[fl], z)]
            ours.append((rel, labels, any_flag))
            for (k, fl), acc in base.items():
                acc.append((rel, labels, [i >= prob and s >= k for i, s in enumerate(base_max[fl])]))
    rows = [("roomsight models score (defaults)", judge(ours))]
    rows += [(f"rolling robust z ≥ {k} (window {BASE_WINDOW}{', spread floor' if fl else ''})", judge(r))
             for (k, fl), r in base.items()]
    print("| detector | stretches detected | precision | recall | F1 | alarm onsets | median delay s | false onsets / 1000 s, anomaly-free run |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, j in rows:
        d = "–" if j["median_delay_s"] is None else f"{j['median_delay_s']:.0f}"
        fr = "–" if j["false_per_1000s_free"] is None else f"{j['false_per_1000s_free']:.2f}"
        print(f"| {name} | {j['detected']}/{j['events']} | {j['precision']:.3f} | {j['recall']:.3f} | "
              f"{j['f1']:.3f} | {j['onsets']} | {d} | {fr} |")


if __name__ == "__main__":
    main()
