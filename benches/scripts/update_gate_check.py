#!/usr/bin/env python3
"""The update gate against a simulated fleet's ground truth, and update_impact against an
independent recomputation.

    update_gate_check.py --lake LAKE --fleet FLEET_DIR --as-of 2026-11-29T00:00:00Z [--roomsight BIN]

1. Runs `roomsight report update_impact --as-of …` and recomputes every row here from the lake's
   Parquet files (DuckDB only reads and aggregates the raw tables: spans per target, the latest
   make and model of each peripheral; the intervals, affected target-days, rates, ratio, exact
   binomial p-value and verdict are computed in Python from reports.md's definition). Every
   row must agree (floats within 1e-9 relative).
2. Reads FLEET_DIR/releases.csv (the simulator's ground truth: which releases are bad) and
   prints, per release and ring, the verdict; checks that every bad release is `halt` in the
   first ring it reached with at least 5 targets, and that every good release with enough data
   (5 targets, 5 device-days after and in the control) is `promote`. `roomsight updates gate`
   is run for each checked row and its exit code compared with the verdict's. Rows are noted
   when the estate's bad day (faults.csv `estate_outage`) falls inside them, and when a good
   release halts in a ring where a bad firmware release began within the same week.
Exit status 0 when everything holds, 1 otherwise. Needs duckdb (the benches venv).
"""

import argparse
import csv
import datetime as dt
import io
import math
import subprocess
import sys
from pathlib import Path

RINGS = ["validation", "pilot", "general"]
EXIT = {"promote": 0, "hold": 3, "halt": 4}
DAY = 86400.0


def epoch(t):
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.timestamp()


def binomial_upper_tail(k, n, q):
    if n == 0 or k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if q <= 0:
        return 0.0
    if q >= 1:
        return 1.0
    logs = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
        + i * math.log(q) + (n - i) * math.log1p(-q)
        for i in range(k, n + 1)
    ]
    m = max(logs)
    return min(1.0, math.exp(m) * sum(math.exp(x - m) for x in logs))


def read(con, lake, table):
    if table == "incident_events":
        glob = lake / "incidents" / "events" / "*.parquet"
        hive = ""
    else:
        glob = lake / "telemetry" / table / "*" / "*.parquet"
        hive = ", hive_partitioning = true"
    return f"read_parquet('{glob}'{hive})"


def recompute(lake, as_of):
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    cut = as_of.strftime("%Y-%m-%d %H:%M:%S")
    ups = con.execute(
        f"SELECT DISTINCT event_id, ts, room_id, component, target_id, to_version "
        f"FROM {read(con, lake, 'updates')} WHERE status = 'succeeded' AND ts <= TIMESTAMPTZ '{cut}+00'"
    ).fetchall()
    rooms = dict(
        con.execute(f"SELECT room_id, ring FROM read_parquet('{lake / 'rooms' / 'rooms.parquet'}')").fetchall()
    )
    per = con.execute(
        f"SELECT peripheral_id, MIN(ts), MAX(ts), arg_max(make || ' ' || model, ts) "
        f"FROM {read(con, lake, 'peripheral_states')} WHERE ts <= TIMESTAMPTZ '{cut}+00' GROUP BY peripheral_id"
    ).fetchall()
    dev = con.execute(
        f"SELECT device_id, MIN(ts), MAX(ts) FROM {read(con, lake, 'heartbeats')} "
        f"WHERE ts <= TIMESTAMPTZ '{cut}+00' GROUP BY device_id"
    ).fetchall()
    inc = con.execute(
        f"SELECT incident_id, seq, kind, device_id, peripheral_id, opened_at, event_at "
        f"FROM {read(con, lake, 'incident_events')}"
    ).fetchall()
    moment = epoch(as_of)

    # t0 per (component, version, target): the first succeeded event (ties by event_id).
    first = {}
    for event_id, ts, room, comp, target, version in ups:
        key = (comp, version, target)
        cand = (epoch(ts), event_id, room)
        if key not in first or cand < first[key]:
            first[key] = cand
    periph = {p: (epoch(a), epoch(b), line) for p, a, b, line in per}
    devices = {d: (epoch(a), epoch(b)) for d, a, b in dev}

    latest = {}
    for iid, seq, kind, device, peripheral, opened, event_at in inc:
        if epoch(event_at) > moment:
            continue
        if iid not in latest or seq > latest[iid][0]:
            latest[iid] = (seq, kind, device, peripheral, epoch(opened))
    by_peripheral, by_device = {}, {}
    for seq, kind, device, peripheral, opened in latest.values():
        if kind == "update_failed":
            continue
        if peripheral is not None:
            by_peripheral.setdefault(peripheral, []).append(opened)
        by_device.setdefault(device, []).append(opened)

    def concerning(comp, target):
        return (by_peripheral if comp == "firmware" else by_device).get(target, [])

    def affected(comp, target, start, end):
        return {
            dt.datetime.fromtimestamp(o, dt.timezone.utc).date()
            for o in concerning(comp, target)
            if start <= o < end
        }

    releases = {}
    for (comp, version, target), (t0, _, room) in first.items():
        ring = rooms.get(room)
        line = periph.get(target, (None, None, None))[2] if comp == "firmware" else comp
        releases.setdefault((comp, version, ring), []).append((target, t0, line))

    rows = {}
    for (comp, version, ring), treated in releases.items():
        first_at = min(t0 for _, t0, _ in treated)
        span_end = min(max(t0 for _, t0, _ in treated) + 7 * DAY, moment)
        dda = 0.0
        aa = 0
        for target, t0, _ in treated:
            end = min(t0 + 7 * DAY, moment)
            dda += (end - t0) / DAY
            aa += len(affected(comp, target, t0, end))
        lines = {line for _, _, line in treated if line is not None}
        if comp == "firmware":
            candidates = [(p, a, b) for p, (a, b, line) in periph.items() if line in lines]
        else:
            candidates = [(d, a, b) for d, (a, b) in devices.items()]
        ddc = 0.0
        ac = 0
        for target, a, b in candidates:
            start = max(first_at, a)
            end = min(span_end, b)
            own = first.get((comp, version, target))
            if own is not None:
                end = min(end, own[0])
            if end > start:
                ddc += (end - start) / DAY
                ac += len(affected(comp, target, start, end))
        ratio = None
        if dda > 0 and ddc > 0:
            ratio = ((aa + 0.5) / dda) / ((ac + 0.5) / ddc)
        n = aa + ac
        p = 1.0 if n == 0 else binomial_upper_tail(aa, n, dda / (dda + ddc))
        if p < 0.01 and ratio is not None and ratio >= 2:
            verdict = "halt"
        elif len(treated) < 5 or dda < 5 or ddc < 5:
            verdict = "hold"
        else:
            verdict = "promote"
        rows[(comp, version, ring)] = {
            "targets": len(treated),
            "device_days_after": dda,
            "affected_days_after": aa,
            "device_days_control": ddc,
            "affected_days_control": ac,
            "rate_ratio": ratio,
            "p_value": p,
            "verdict": verdict,
        }
    return rows


def roomsight_rows(binary, lake, as_of_text, report_csv=None):
    if report_csv:
        out = Path(report_csv).read_text()
    else:
        out = subprocess.run(
            [binary, "report", "update_impact", "--lake", str(lake), "--as-of", as_of_text, "--format", "csv"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    rows = {}
    for r in csv.DictReader(io.StringIO(out)):
        ring = r["ring"] or None
        rows[(r["component"], r["to_version"], ring)] = r
    return rows


def close(a, b):
    if a in ("", None) or b is None:
        return a in ("", None) and b is None
    a = float(a)
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lake", required=True, type=Path)
    ap.add_argument("--fleet", required=True, type=Path)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--roomsight", default="roomsight")
    ap.add_argument("--report-csv", help="use this update_impact CSV instead of running the report")
    ap.add_argument("--no-gate", action="store_true", help="do not run `updates gate` per checked row")
    args = ap.parse_args()
    as_of = dt.datetime.fromisoformat(args.as_of.replace("Z", "+00:00"))

    ours = roomsight_rows(args.roomsight, args.lake, args.as_of, args.report_csv)
    theirs = recompute(args.lake, as_of)
    ok = True
    if set(ours) != set(theirs):
        ok = False
        print(f"rows differ: only roomsight {sorted(set(ours) - set(theirs), key=str)}, "
              f"only recomputed {sorted(set(theirs) - set(ours), key=str)}")
    mismatches = 0
    for key in sorted(set(ours) & set(theirs), key=str):
        a, b = ours[key], theirs[key]
        for col in ("targets", "affected_days_after", "affected_days_control"):
            if int(a[col]) != b[col]:
                mismatches += 1
                print(f"{key} {col}: roomsight {a[col]} recomputed {b[col]}")
        for col in ("device_days_after", "device_days_control", "rate_ratio", "p_value"):
            if not close(a[col], b[col]):
                mismatches += 1
                print(f"{key} {col}: roomsight {a[col]} recomputed {b[col]}")
        if a["verdict"] != b["verdict"]:
            mismatches += 1
            print(f"{key} verdict: roomsight {a['verdict']} recomputed {b['verdict']}")
    print(f"update_impact: {len(ours)} rows, {mismatches} mismatches against the recomputation")
    ok = ok and mismatches == 0

    releases = list(csv.DictReader(open(args.fleet / "releases.csv")))
    # Notes after a row: `estate outage inside` when the estate's bad day (faults.csv
    # `estate_outage`) falls in the first target's after interval; for a good release that is
    # halted, the bad firmware releases whose wave began in the same ring within a week (they
    # share its blame: an app, OS or agent release is charged with its room systems'
    # peripheral incidents too).
    outages = sorted({
        epoch(dt.datetime.fromisoformat(f["start"].replace("Z", "+00:00")))
        for f in csv.DictReader(open(args.fleet / "faults.csv"))
        if f["fault_type"] == "estate_outage"
    })
    bad_firmware = [r for r in releases if r["bad"] == "true" and r["component"] == "firmware"]

    def ring_start(rel, ring):
        t = rel[f"{ring}_start"]
        return epoch(dt.datetime.fromisoformat(t.replace("Z", "+00:00"))) if t else None

    def notes(rel, ring, row):
        out = []
        first = row["first_update_at"]
        if first:
            t0 = epoch(dt.datetime.fromisoformat(first.replace("Z", "+00:00").replace(" ", "T")))
            if any(t0 <= o < t0 + 7 * DAY for o in outages):
                out.append("estate outage inside")
        mine = ring_start(rel, ring)
        if row["verdict"] == "halt" and rel["component"] != "firmware" and rel["bad"] != "true" and mine is not None:
            for b in bad_firmware:
                theirs = ring_start(b, ring)
                if theirs is not None and abs(theirs - mine) < 7 * DAY:
                    out.append(f"same ring and week as bad firmware {b['line']} {b['to_version']}")
        return "; ".join(out)

    print()
    print(f"{'component':<17} {'line':<28} {'version':<14} {'bad':<5} {'ring':<10} {'targets':>7} "
          f"{'days_after':>10} {'aff_after':>9} {'days_ctrl':>9} {'aff_ctrl':>8} {'ratio':>7} {'p_value':>9} "
          f"{'verdict':<8} {'gate':>4} check")
    for rel in releases:
        bad = rel["bad"] == "true"
        first_ring_checked = False
        for ring in RINGS:
            row = ours.get((rel["component"], rel["to_version"], ring))
            if row is None:
                continue
            targets = int(row["targets"])
            enough = targets >= 5 and float(row["device_days_after"]) >= 5 and float(row["device_days_control"]) >= 5
            check = ""
            if bad and targets >= 5 and not first_ring_checked:
                first_ring_checked = True
                check = "halt expected"
                if row["verdict"] != "halt":
                    ok = False
                    check += " FAILED"
            elif not bad and enough:
                check = "promote expected"
                if row["verdict"] != "promote":
                    ok = False
                    check += " FAILED"
            gate = ""
            if check and not args.no_gate:
                code = subprocess.run(
                    [args.roomsight, "updates", "gate", "--lake", str(args.lake), "--component", rel["component"],
                     "--version", rel["to_version"], "--ring", ring, "--as-of", args.as_of],
                    capture_output=True, text=True,
                ).returncode
                gate = str(code)
                if code != EXIT[row["verdict"]]:
                    ok = False
                    check += f" (gate exit {code} != {EXIT[row['verdict']]})"
            fmt = lambda v, d: "-" if v in ("", None) else f"{float(v):.{d}f}"
            print(f"{rel['component']:<17} {rel['line'][:28]:<28} {rel['to_version']:<14} {str(bad).lower():<5} "
                  f"{ring:<10} {targets:>7} {fmt(row['device_days_after'], 1):>10} {row['affected_days_after']:>9} "
                  f"{fmt(row['device_days_control'], 1):>9} {row['affected_days_control']:>8} "
                  f"{fmt(row['rate_ratio'], 2):>7} {fmt(row['p_value'], 4):>9} {row['verdict']:<8} {gate:>4} {check}"
                  + (f" [{note}]" if (note := notes(rel, ring, row)) else ""))
    print()
    print("ALL CHECKS HOLD" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
