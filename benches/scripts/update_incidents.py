#!/usr/bin/env python3
"""Which false peripheral incidents of a simulated fleet fall at a firmware update?

    benches/scripts/update_incidents.py FLEET_DIR...   (each with lake/ and fleet/faults.csv,
                                                        as detect_eval.sh leaves them)

For every `peripheral_degrading` and `peripheral_disconnected` incident that matches no labelled
fault (the rule of `models eval`: same peripheral, opened between 10 minutes before the fault
and 60 minutes after it), it says whether it opened inside the peripheral's own firmware update
window (the step's `started` to its end, plus 10 minutes: the implicit maintenance window of
docs/incidents.md; a step without an end counts 2 hours) or within 60 minutes of the update's end,
and lists the others. ROOMSIGHT_BIN is the binary (default: the dev build).
"""

import csv
import io
import os
import subprocess
import sys
from datetime import datetime, timedelta

BIN = os.environ.get("ROOMSIGHT_BIN", os.path.expanduser("~/.cache/roomsight/target/debug/roomsight"))


def query(lake, sql):
    out = subprocess.run([BIN, "sql", "--lake", lake, "--format", "csv", "-e", sql],
                         check=True, capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(out)))


def ts(s):
    return datetime.fromisoformat(s.replace("Z", "").replace("T", " ")[:26])


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for d in sys.argv[1:]:
        lake = os.path.join(d, "lake")
        faults = list(csv.DictReader(open(os.path.join(d, "fleet", "faults.csv"))))
        incidents = query(lake, "select kind, peripheral_id, cast(opened_at as varchar) as opened_at "
                                "from incidents where kind in ('peripheral_degrading', 'peripheral_disconnected')")
        steps = query(lake, "select target_id, update_id, "
                            "cast(min(case when status = 'started' then ts end) as varchar) as s, "
                            "cast(max(case when status in ('succeeded', 'failed', 'rolled_back') then ts end) as varchar) as e "
                            "from updates where component = 'firmware' group by target_id, update_id")
        windows = {}
        for u in steps:
            if u["s"]:
                s = ts(u["s"])
                windows.setdefault(u["target_id"], []).append((s, ts(u["e"]) if u["e"] else s + timedelta(hours=2)))
        counts = {}
        others = []
        for i in incidents:
            t, p = ts(i["opened_at"]), i["peripheral_id"]
            if any(f["peripheral_id"] == p and ts(f["start"]) - timedelta(minutes=10) <= t
                   <= ts(f["end"]) + timedelta(minutes=60) for f in faults):
                continue
            w10 = any(s <= t <= e + timedelta(minutes=10) for s, e in windows.get(p, []))
            w60 = any(s <= t <= e + timedelta(minutes=60) for s, e in windows.get(p, []))
            c = counts.setdefault(i["kind"], [0, 0, 0])
            c[0] += 1
            c[1] += w10
            c[2] += w60
            if not w60:
                others.append(f"{i['kind']} {p} {t}")
        print(f"{os.path.basename(os.path.normpath(d))}:")
        for kind, (n, w10, w60) in sorted(counts.items()):
            print(f"  {kind}: {n} false, {w10} inside the update window, {w60} within 60 min of the update's end")
        for o in others:
            print(f"  not at an update: {o}")


if __name__ == "__main__":
    main()
