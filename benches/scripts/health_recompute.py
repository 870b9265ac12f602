#!/usr/bin/env python3
"""Recomputes room_health_daily, room_health_summary, meeting_impact, failure_stats and the
four-way space split of utilization_daily independently, from the lake's Parquet files, and
compares every row with what `roomsight report` gives on the same lake.

Nothing here is taken from queries/sql: the definitions (docs/reports.md, "Room health, meeting
impact and failure statistics") are recomputed with DuckDB for reading and grouping and plain
Python for the interval arithmetic (unions as merged interval lists, Python's zoneinfo for the
local windows). room_health_daily subtracts the room's explicit maintenance windows (folded here
from the lake's maintenance_window_events) as |A| - |A ∩ M|. Floats must agree within 0.01 % (relative), everything else exactly; the four
split columns must add up to business_minutes on every row of roomsight's utilization_daily.

    health_recompute.py --lake L --bin target/debug/roomsight --from 2026-10-01 --to 2026-10-14

It prints, per report, the rows compared, the mismatches, and the wall time of `roomsight report`
(the whole process: start, planning, query, CSV out) next to the time of this recomputation
(DuckDB reads and Python), and exits 1 on any mismatch. Needs duckdb from the venv
(~/.cache/roomsight/venv).
"""

import argparse
import csv
import datetime as dt
import io
import math
import subprocess
import sys
import time
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

UTC = dt.timezone.utc
US = 1_000_000
BUSINESS = (8 * 60, 18 * 60)  # minutes after local midnight, Monday-Friday
HEALTH = (5 * 60, 21 * 60)
FOREVER = 2**62


# ---------------------------------------------------------------------------- reading the lake

def connect(lake: Path):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in ["heartbeats", "peripheral_states", "meetings", "bookings", "updates", "enrollments", "logs"]:
        files = list((lake / "telemetry" / table).glob("*/*.parquet"))
        if files:
            con.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{lake}/telemetry/{table}/*/*.parquet', "
                "hive_partitioning = true, hive_types = {'date': DATE})"
            )
        else:
            con.execute(f"CREATE TABLE {table} (room_id VARCHAR, date DATE)")
    con.execute(f"CREATE VIEW rooms AS SELECT * FROM read_parquet('{lake}/rooms/rooms.parquet')")
    con.execute(f"CREATE VIEW incident_events AS SELECT * FROM read_parquet('{lake}/incidents/events/*.parquet')")
    if list((lake / "maintenance_windows").glob("*.parquet")):
        con.execute(
            f"CREATE VIEW maintenance_window_events AS SELECT * FROM read_parquet('{lake}/maintenance_windows/*.parquet')")
    else:
        con.execute('CREATE TABLE maintenance_window_events (window_id VARCHAR, event VARCHAR, room_id VARCHAR, '
                    '"from" TIMESTAMPTZ, "to" TIMESTAMPTZ)')
    return con


def us(ts) -> int:
    """A timestamp (aware datetime from DuckDB) in microseconds since the epoch."""
    return int(round(ts.timestamp() * US)) if ts.tzinfo else int(round(ts.replace(tzinfo=UTC).timestamp() * US))


def local_instant_us(day: dt.date, minute: int, tz: str) -> int:
    """The instant at which zone tz shows `minute` minutes after midnight of `day`."""
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return int(wall.replace(tzinfo=ZoneInfo(tz), fold=0).timestamp() * US)


def local_date(ts_us: int, tz: str) -> dt.date:
    return dt.datetime.fromtimestamp(ts_us / US, tz=ZoneInfo(tz)).date()


def days(frm: dt.date, to: dt.date):
    d = frm
    while d <= to:
        yield d
        d += dt.timedelta(days=1)


# ------------------------------------------------------------------------------ interval sets

def merge(spans):
    """Sorted, disjoint union of half-open [a, b) spans."""
    out = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def length(spans) -> int:
    return sum(b - a for a, b in merge(spans))


def clip(spans, lo, hi):
    return [(max(a, lo), min(b, hi)) for a, b in spans if a < hi and b > lo]


def intersection_length(x, y) -> int:
    x, y = merge(x), merge(y)
    i = j = total = 0
    while i < len(x) and j < len(y):
        a, b = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if b > a:
            total += b - a
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return total


def minutes(u: int) -> int:
    return u // (60 * US)


# ---------------------------------------------------------------------------------- the facts

class Facts:
    """What the definitions need, read once."""

    def __init__(self, con, frm: dt.date, to: dt.date):
        self.frm, self.to = frm, to
        self.zone = dict(con.execute("SELECT room_id, timezone FROM rooms").fetchall())
        events = con.execute(
            "SELECT incident_id, seq, event, kind, severity, state, room_id, peripheral_id, opened_at, event_at "
            "FROM incident_events ORDER BY incident_id, seq"
        ).fetchall()
        self.incidents = defaultdict(list)
        for e in events:
            self.incidents[e[0]].append(e)
        # critical open segments per room: (start_us, end_us, incident_id)
        self.critical = defaultdict(list)
        for iid, evs in self.incidents.items():
            for k, e in enumerate(evs):
                start = us(e[9])
                end = us(evs[k + 1][9]) if k + 1 < len(evs) else FOREVER
                if e[5] == "open" and e[4] == "critical" and end > start:
                    self.critical[e[6]].append((start, end, iid))
        # maintenance windows per room: [from, to) as the room's windows stand (incidents.md: a
        # window ended early has its `to` moved to the end time; the earliest such end wins)
        windows = {}
        for wid, event, room, frm, to in con.execute(
            'SELECT window_id, event, room_id, "from", "to" FROM maintenance_window_events'
        ).fetchall():
            w = windows.setdefault(wid, {"room": None, "from": None, "to": []})
            if event == "created":
                w["room"], w["from"] = room, us(frm)
            w["to"].append(us(to))
        self.maintenance = defaultdict(list)
        for w in windows.values():
            if w["room"] is not None and min(w["to"]) > w["from"]:
                self.maintenance[w["room"]].append((w["from"], min(w["to"])))
        seen = set()
        for table in ["heartbeats", "peripheral_states", "meetings", "bookings", "updates", "enrollments", "logs"]:
            seen |= {r[0] for r in con.execute(
                f"SELECT DISTINCT room_id FROM {table} WHERE date BETWEEN ? AND ?", [frm, to]).fetchall()}
        self.seen = seen

    def tz(self, room):
        return self.zone.get(room, "UTC")


def latest_rows(con, table, key, columns):
    """The latest event per key (by ts, ties by greater event_id)."""
    return con.execute(
        f"SELECT {columns} FROM (SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY ts DESC, event_id DESC) AS n "
        f"FROM {table}) WHERE n = 1"
    ).fetchall()


# -------------------------------------------------------------------------------- the reports

def room_health(facts: Facts):
    rooms = set(facts.zone)
    lo_any = local_instant_us(facts.frm, HEALTH[0], "UTC")
    hi_any = local_instant_us(facts.to, HEALTH[1], "UTC")
    for room, segs in facts.critical.items():
        if room not in facts.zone and any(a < hi_any and b > lo_any for a, b, _ in segs):
            rooms.add(room)
    rooms |= facts.seen
    rows = {}
    for room in rooms:
        tz = facts.tz(room)
        for d in days(facts.frm, facts.to):
            lo, hi = local_instant_us(d, HEALTH[0], tz), local_instant_us(d, HEALTH[1], tz)
            segs = [(a, b, i) for a, b, i in facts.critical.get(room, []) if a < hi and b > lo]
            # |A \ M| as |A| - |A ∩ M| (the SQL takes |A ∪ M| - |M|): explicit windows of the
            # room only, any device and kind; not the implicit windows of updates
            covered = clip([(a, b) for a, b, _ in segs], lo, hi)
            planned = clip(facts.maintenance.get(room, []), lo, hi)
            affected = minutes(length(covered) - intersection_length(covered, planned))
            rows[(room, d.isoformat())] = {
                "window_minutes": minutes(hi - lo),
                "affected_minutes": affected,
                "healthy": affected <= 20,
                "incidents": len({i for _, _, i in segs}),
            }
    return rows


def maintenance_minutes(facts: Facts) -> int:
    """Critical minutes (inside health windows) that maintenance windows take away, in total."""
    total = 0
    for room, planned in facts.maintenance.items():
        tz = facts.tz(room)
        for d in days(facts.frm, facts.to):
            lo, hi = local_instant_us(d, HEALTH[0], tz), local_instant_us(d, HEALTH[1], tz)
            covered = clip([(a, b) for a, b, _ in facts.critical.get(room, [])], lo, hi)
            total += minutes(length(covered)) - minutes(length(covered) - intersection_length(covered, clip(planned, lo, hi)))
    return total


def room_health_summary(daily):
    by_day = defaultdict(list)
    for (room, d), r in daily.items():
        by_day[d].append(r)
    return {
        (d,): {
            "rooms": len(rs),
            "healthy_rooms": sum(r["healthy"] for r in rs),
            "healthy_pct": 100.0 * sum(r["healthy"] for r in rs) / len(rs),
            "affected_minutes": sum(r["affected_minutes"] for r in rs),
        }
        for d, rs in by_day.items()
    }


def meeting_impact(con, facts: Facts):
    meetings = defaultdict(list)
    for room, start, end in latest_rows(con, "meetings", "meeting_id", 'room_id, start, "end"'):
        meetings[room].append((us(start), us(end)))
    rows = {}
    for bid, room, start, end, status in latest_rows(con, "bookings", "booking_id", 'booking_id, room_id, start, "end", status'):
        if status != "accepted":
            continue
        s, e = us(start), us(end)
        d = local_date(s, facts.tz(room))
        if not (facts.frm <= d <= facts.to) or e <= s:
            continue
        hits = [(a, b, i) for a, b, i in facts.critical.get(room, []) if a < e and b > s]
        impacted = minutes(length(clip([(a, b) for a, b, _ in hits], s, e)))
        if impacted <= 0:
            continue
        rows[(bid,)] = {
            "room_id": room,
            "date": d.isoformat(),
            "booked_minutes": (e - s) // (60 * US),
            "impacted_minutes": impacted,
            "held": any(ms < e and me > s for ms, me in meetings.get(room, [])),
            "incidents": ";".join(sorted({i for _, _, i in hits})),
        }
    return rows


def failure_stats(con, facts: Facts):
    bounds = {room: (local_instant_us(facts.frm, 0, tz), local_instant_us(facts.to + dt.timedelta(days=1), 0, tz))
              for room, tz in facts.zone.items()}
    utc_bounds = (local_instant_us(facts.frm, 0, "UTC"), local_instant_us(facts.to + dt.timedelta(days=1), 0, "UTC"))
    lo_date, hi_date = facts.frm - dt.timedelta(days=2), facts.to + dt.timedelta(days=2)
    # Operating hours: the latest connected event of each (peripheral, UTC hour), in DuckDB.
    hours = con.execute(
        """
        SELECT peripheral_id, room_id, epoch_us(hour) AS hour_us, kind, make, model, firmware
        FROM (
            SELECT *, date_trunc('hour', ts) AS hour,
                   row_number() OVER (PARTITION BY peripheral_id, date_trunc('hour', ts)
                                      ORDER BY ts DESC, event_id DESC) AS n
            FROM peripheral_states
            WHERE connection = 'connected' AND date BETWEEN ? AND ?
        ) WHERE n = 1
        """,
        [lo_date, hi_date],
    ).fetchall()
    groups = defaultdict(lambda: {"peripherals": set(), "operating_hours": 0, "ttr": [], "failures": 0})
    for pid, room, hour_us, *group in hours:
        lo, hi = bounds.get(room, utc_bounds)
        if lo <= hour_us < hi:
            g = groups[tuple(group)]
            g["peripherals"].add(pid)
            g["operating_hours"] += 1
    # Failures: the incident's latest event decides kind and opened_at.
    failures = []
    for iid, evs in facts.incidents.items():
        last = evs[-1]
        if last[3] not in ("peripheral_disconnected", "peripheral_degrading") or last[7] is None:
            continue
        opened = us(last[8])
        lo, hi = bounds.get(last[6], utc_bounds)
        if lo <= opened < hi:
            resolved = [us(e[9]) for e in evs if e[2] == "resolved"]
            failures.append((last[7], opened, min(resolved) if resolved else None))
    pids = sorted({f[0] for f in failures})
    history = defaultdict(list)
    if pids:
        for pid, ts, eid, *group in con.execute(
            "SELECT peripheral_id, epoch_us(ts), event_id, kind, make, model, firmware FROM peripheral_states "
            "WHERE date BETWEEN ? AND ? AND peripheral_id IN (SELECT unnest(?)) ORDER BY peripheral_id, ts, event_id",
            [facts.frm - dt.timedelta(days=8), hi_date, pids],
        ).fetchall():
            history[pid].append((ts, eid, tuple(group)))
    for pid, opened, resolved in failures:
        h = history.get(pid)
        if not h:
            continue
        k = bisect_right([t for t, _, _ in h], opened)
        group = h[k - 1][2] if k > 0 else h[0][2]
        g = groups[group]
        g["peripherals"].add(pid)
        g["failures"] += 1
        if resolved is not None:
            g["ttr"].append((resolved - opened) / US / 60.0)
    rows = {}
    for group, g in groups.items():
        ttr = sorted(g["ttr"])
        n = len(ttr)
        rows[group] = {
            "peripherals": len(g["peripherals"]),
            "operating_hours": g["operating_hours"],
            "failures": g["failures"],
            "mtbf_hours": g["operating_hours"] / g["failures"] if g["failures"] else None,
            "mttr_minutes": sum(ttr) / n if n else None,
            "p90_ttr_minutes": ttr[math.ceil(9 * n / 10) - 1] if n else None,
        }
    return rows


def space_split(con, facts: Facts):
    bookings = defaultdict(list)
    for room, start, end, status in latest_rows(con, "bookings", "booking_id", 'room_id, start, "end", status'):
        if status == "accepted":
            s = us(start)
            bookings[(room, local_date(s, facts.tz(room)))].append((s, us(end)))
    meetings = defaultdict(list)
    for room, start, end in latest_rows(con, "meetings", "meeting_id", 'room_id, start, "end"'):
        meetings[room].append((us(start), us(end)))
    rows = {}
    for room in set(facts.zone) | {r for r, _ in bookings} | set(meetings):
        tz = facts.tz(room)
        for d in days(facts.frm, facts.to):
            if d.weekday() >= 5:
                continue
            lo, hi = local_instant_us(d, BUSINESS[0], tz), local_instant_us(d, BUSINESS[1], tz)
            b = clip(bookings.get((room, d), []), lo, hi)
            o = clip(meetings.get(room, []), lo, hi)
            both = intersection_length(b, o)
            b_only, o_only = length(b) - both, length(o) - both
            business = minutes(hi - lo)
            first = [minutes(both), minutes(b_only), minutes(o_only)]
            rows[(room, d.isoformat())] = dict(zip(
                ["booked_occupied_minutes", "booked_only_minutes", "occupied_only_minutes", "idle_minutes"],
                first + [business - sum(first)]))
    return rows


# --------------------------------------------------------------------------------- comparing

def roomsight_rows(binary, lake, name, frm, to):
    start = time.perf_counter()
    out = subprocess.run(
        [binary, "report", name, "--lake", str(lake), "--from", frm, "--to", to, "--format", "csv", "--no-write"],
        check=True, capture_output=True, text=True,
    ).stdout
    return list(csv.DictReader(io.StringIO(out))), time.perf_counter() - start


def same(expected, got: str) -> bool:
    if expected is None:
        return got == ""
    if isinstance(expected, bool):
        return got == ("true" if expected else "false")
    if isinstance(expected, float):
        if got == "":
            return False
        g = float(got)
        return g == expected or abs(g - expected) <= 1e-4 * max(abs(expected), abs(g))
    return str(expected) == got


def compare(name, expected, got_rows, key_columns, only=None):
    got = {tuple(r[k] for k in key_columns): r for r in got_rows}
    problems = []
    for key, values in expected.items():
        row = got.get(tuple(str(k) for k in key))
        if row is None:
            problems.append(f"missing row {key}")
            continue
        for column, value in values.items():
            if not same(value, row[column]):
                problems.append(f"{key} {column}: expected {value}, roomsight {row[column]!r}")
    if only is None:
        for key in got:
            if key not in {tuple(str(k) for k in e) for e in expected}:
                problems.append(f"extra row {key}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lake", required=True, type=Path)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--from", dest="frm", required=True)
    ap.add_argument("--to", required=True)
    args = ap.parse_args()
    frm, to = dt.date.fromisoformat(args.frm), dt.date.fromisoformat(args.to)

    def timed(f, *a):
        start = time.perf_counter()
        con = connect(args.lake)
        facts = Facts(con, frm, to)
        value = f(con, facts, *a)
        return value, time.perf_counter() - start

    daily, t_daily = timed(lambda con, facts: room_health(facts))
    summary, t_summary = timed(lambda con, facts: room_health_summary(room_health(facts)))
    impact, t_impact = timed(meeting_impact)
    failures, t_failures = timed(failure_stats)
    split, t_split = timed(space_split)

    checks = [
        ("room_health_daily", daily, ["room_id", "date"], t_daily),
        ("room_health_summary", summary, ["date"], t_summary),
        ("meeting_impact", impact, ["booking_id"], t_impact),
        ("failure_stats", failures, ["kind", "make", "model", "firmware"], t_failures),
        ("utilization_daily", split, ["room_id", "date"], t_split),
    ]
    failed = False
    print(f"{'report':<22} {'rows':>6} {'recomputed':>10} {'mismatches':>10} {'roomsight s':>11} {'recompute s':>11}")
    for name, expected, keys, seconds in checks:
        rows, rs_seconds = roomsight_rows(args.bin, args.lake, name, args.frm, args.to)
        # utilization_daily: only weekday rows carry a split to recompute; weekends must be zeros.
        problems = compare(name, expected, rows, keys, only="split" if name == "utilization_daily" else None)
        if name == "utilization_daily":
            for r in rows:
                parts = sum(int(r[c]) for c in ["booked_occupied_minutes", "booked_only_minutes",
                                                 "occupied_only_minutes", "idle_minutes"])
                if parts != int(r["business_minutes"]):
                    problems.append(f"{r['room_id']} {r['date']}: the split adds up to {parts}, not {r['business_minutes']}")
                if r["booked_only_minutes"] != r["booked_unused_minutes"]:
                    problems.append(f"{r['room_id']} {r['date']}: booked_only != booked_unused")
            adds = len(rows)
        print(f"{name:<22} {len(rows):>6} {len(expected):>10} {len(problems):>10} {rs_seconds:>11.2f} {seconds:>11.2f}")
        for p in problems[:20]:
            print(f"    {p}")
        failed |= bool(problems)
    print(f"utilization_daily: the four split columns add up to business_minutes on all {adds} rows"
          if not failed else "MISMATCHES (see above)")
    nonzero = sum(1 for r in daily.values() if r["affected_minutes"] > 0)
    facts = Facts(connect(args.lake), frm, to)
    windows = sum(len(w) for w in facts.maintenance.values())
    print(f"maintenance: {windows} windows in {len(facts.maintenance)} rooms subtract "
          f"{maintenance_minutes(facts)} critical minutes from room_health_daily")
    print(f"facts: {len(daily)} room-days, {nonzero} with affected minutes, {sum(not r['healthy'] for r in daily.values())} unhealthy; "
          f"{len(impact)} bookings hit, {sum(not r['held'] for r in impact.values())} lost; "
          f"{sum(r['failures'] for r in failures.values())} failures in {len(failures)} groups")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
