#!/usr/bin/env python3
"""Runs roomsight's report SQL in DuckDB over a roomsight lake, and times `roomsight report`
over the same lake, side by side.

The report files of `queries/sql/reports/` run unchanged: DuckDB gets views named like the
catalog's tables over the same Parquet files (Hive partitions, so `WHERE date ...` prunes), and
macros named like roomsight's SQL functions (`local_ts`, `local_date`, `utc_from_local`,
`version_key`) with the same results. Used by `benches/scripts/reports.sh`; also runnable alone:

    reports_duckdb.py --lake L --bin target/release/roomsight --from 2026-11-02 --to 2026-12-01 \
        --as-of 2026-12-01T12:00:00Z [--reports inventory,health_overview] [--rooms-csv rooms.csv]

Each engine runs each report in a fresh process, `--repeat` times (the best run is kept), and
its peak RSS is read from that process's rusage. roomsight's time is the whole command (start,
catalog listing, query, CSV to a file); DuckDB's is view creation plus the query with its rows
fetched into Arrow (`to_arrow_table`), so the ratio leans against roomsight by its start-up cost.

The two engines must agree on the values, not only on the row counts: after the timed runs,
roomsight runs the report once more with `--format parquet` (untimed, so the types are exact),
both results are sorted by the report's key columns, and every cell is compared: integers,
texts, dates and times exactly, floats within 0.01 % (relative; 1e-9 absolute near zero). A
report whose rows or values differ is named with its first differing rows and columns, and the
script exits 1 after the last report. On an S3 lake only roomsight runs, so nothing is compared.
"""

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

TELEMETRY = ["heartbeats", "peripheral_states", "meetings", "bookings", "updates", "enrollments", "logs"]

# Range reports take --from/--to; the others --as-of. Business hours are the defaults.
RANGE_REPORTS = {
    "usage_daily", "utilization_daily", "call_quality_daily", "device_reliability_daily",
    "peripheral_reliability", "incident_summary", "room_health_daily", "room_health_summary",
    "meeting_impact", "failure_stats",
}

# The columns that identify a row of each report, for sorting both engines' rows alike. A report
# not listed here is sorted by all its columns that are not floats.
KEYS = {
    "usage_daily": ["room_id", "date"],
    "utilization_daily": ["room_id", "date"],
    "call_quality_daily": ["room_id", "date"],
    "device_reliability_daily": ["device_id", "room_id", "date"],
    "peripheral_reliability": ["kind", "make", "model", "firmware"],
    "inventory": ["device_id", "item", "peripheral_id"],
    "update_compliance": ["ring", "component", "line"],
    "health_overview": ["room_id"],
    "health_overview_summary": ["site", "status"],
    "incident_summary": ["kind", "severity"],
}

# Floats agree when within this share of the larger value, or this close to each other near zero.
REL_TOLERANCE = 1e-4
ABS_TOLERANCE = 1e-9
# How many differing cells are shown per report.
SHOW_DIFFERENCES = 5

INCIDENT_EVENTS_COLUMNS = """
    incident_id VARCHAR, seq BIGINT, event VARCHAR, kind VARCHAR, severity VARCHAR,
    state VARCHAR, origin VARCHAR, room_id VARCHAR, device_id VARCHAR, peripheral_id VARCHAR,
    opened_at TIMESTAMPTZ, event_at TIMESTAMPTZ, last_seen_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ, closed_at TIMESTAMPTZ, summary VARCHAR, details VARCHAR,
    recorded_at TIMESTAMPTZ
"""

# The telemetry tables' columns (roomsight_ingest::schema), for tables the lake has no files of.
ENVELOPE = "event_id VARCHAR, ts TIMESTAMPTZ, device_id VARCHAR, room_id VARCHAR"
LINEAGE = "kafka_topic VARCHAR, kafka_partition INT, kafka_offset BIGINT, ingest_ts TIMESTAMPTZ, date DATE"
TELEMETRY_COLUMNS = {
    "heartbeats": "platform VARCHAR, app_version VARCHAR, os_version VARCHAR, teams_signed_in BOOLEAN, "
    "exchange_signed_in BOOLEAN, cpu_pct DOUBLE, mem_pct DOUBLE, temp_c DOUBLE, uptime_s BIGINT",
    "peripheral_states": "peripheral_id VARCHAR, kind VARCHAR, make VARCHAR, model VARCHAR, firmware VARCHAR, "
    "serial VARCHAR, connection VARCHAR, optional BOOLEAN, error_count BIGINT, fps DOUBLE, "
    "dropped_frames_pct DOUBLE, snr_db DOUBLE, noise_floor_db DOUBLE, volume_pct DOUBLE, distortion_pct DOUBLE, "
    "signal_errors DOUBLE, touch_latency_ms DOUBLE, disk_free_pct DOUBLE, other_metrics MAP(VARCHAR, DOUBLE)",
    "meetings": 'meeting_id VARCHAR, start TIMESTAMPTZ, "end" TIMESTAMPTZ, scheduled BOOLEAN, booking_id VARCHAR, '
    "participants BIGINT, people_count BIGINT, platform VARCHAR, packet_loss_pct DOUBLE, jitter_ms DOUBLE, "
    "rtt_ms DOUBLE, video_fps DOUBLE",
    "bookings": 'booking_id VARCHAR, start TIMESTAMPTZ, "end" TIMESTAMPTZ, status VARCHAR, attendees BIGINT',
    "updates": "update_id VARCHAR, component VARCHAR, target_id VARCHAR, from_version VARCHAR, to_version VARCHAR, "
    "ring VARCHAR, status VARCHAR, error VARCHAR",
    "enrollments": "action VARCHAR, platform VARCHAR, make VARCHAR, model VARCHAR, serial VARCHAR",
    "logs": "level VARCHAR, source VARCHAR, message VARCHAR, redactions INT",
}

MAINTENANCE_WINDOW_EVENTS_COLUMNS = """
    window_id VARCHAR, event VARCHAR, room_id VARCHAR, device_id VARCHAR, kind VARCHAR,
    "from" TIMESTAMPTZ, "to" TIMESTAMPTZ, reason VARCHAR, created_by VARCHAR,
    created_at TIMESTAMPTZ, event_at TIMESTAMPTZ
"""

ROOMS_COLUMNS = """
    room_id VARCHAR, name VARCHAR, site VARCHAR, building VARCHAR, floor VARCHAR,
    capacity INTEGER, country VARCHAR, timezone VARCHAR, room_group VARCHAR, ring VARCHAR
"""

# roomsight's functions as DuckDB macros (queries/src/functions/). version_key encodes a numeric
# part as chr(2) + its digit count (3 digits) + its digits without leading zeros, a text part as
# chr(3) + the text, joins parts with chr(1) and drops trailing zero parts: the same order and
# equality as roomsight's key (whose bytes are one lower).
MACROS = [
    "CREATE OR REPLACE MACRO local_ts(ts, tz) AS timezone(tz, ts)",
    "CREATE OR REPLACE MACRO local_date(ts, tz) AS CAST(timezone(tz, ts) AS DATE)",
    "CREATE OR REPLACE MACRO utc_from_local(l, tz) AS timezone(tz, CAST(l AS TIMESTAMP))",
    # DataFusion's to_timestamp_seconds: seconds since the epoch → a timestamp without zone
    "CREATE OR REPLACE MACRO to_timestamp_seconds(s) AS make_timestamp(CAST(s AS BIGINT) * 1000000)",
    """CREATE OR REPLACE MACRO version_key(v) AS regexp_replace(
        array_to_string(
            list_transform(string_split(v, '.'), lambda p: CASE
                WHEN regexp_full_match(p, '[0-9]+')
                    THEN chr(2) || lpad(CAST(length(ltrim(p, '0')) AS VARCHAR), 3, '0') || ltrim(p, '0')
                ELSE chr(3) || p
            END),
            chr(1)),
        '(' || chr(1) || '?' || chr(2) || '000)+$', '')""",
]


def connect(lake: Path, rooms_csv, threads):
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for m in MACROS:
        con.execute(m)
    for t in TELEMETRY:
        glob = lake / "telemetry" / t / "*" / "*.parquet"
        if not any((lake / "telemetry" / t).glob("*/*.parquet")):
            con.execute(f"CREATE TABLE {t} ({ENVELOPE}, {TELEMETRY_COLUMNS[t]}, {LINEAGE})")
            continue
        con.execute(
            f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
            "hive_types = {'date': DATE})"
        )
    rooms_file = lake / "rooms" / "rooms.parquet"
    if rooms_file.exists():
        con.execute(f"CREATE VIEW rooms AS SELECT * FROM read_parquet('{rooms_file}')")
    elif rooms_csv:
        con.execute(f"CREATE TABLE rooms ({ROOMS_COLUMNS})")
        con.execute(f"INSERT INTO rooms SELECT * FROM read_csv('{rooms_csv}', header = true, all_varchar = true)")
    else:
        con.execute(f"CREATE TABLE rooms ({ROOMS_COLUMNS})")
    events = lake / "incidents" / "events"
    if any(events.glob("*.parquet")):
        con.execute(f"CREATE VIEW incident_events AS SELECT * FROM read_parquet('{events}/*.parquet')")
    else:
        con.execute(f"CREATE TABLE incident_events ({INCIDENT_EVENTS_COLUMNS})")
    con.execute(
        "CREATE VIEW incidents AS SELECT * EXCLUDE (rn) FROM (SELECT *, row_number() OVER "
        "(PARTITION BY incident_id ORDER BY seq DESC) AS rn FROM incident_events) WHERE rn = 1"
    )
    windows = lake / "maintenance_windows"
    if any(windows.glob("*.parquet")):
        con.execute(
            f"CREATE VIEW maintenance_window_events AS SELECT * FROM read_parquet('{windows}/*.parquet')"
        )
    else:
        con.execute(f"CREATE TABLE maintenance_window_events ({MAINTENANCE_WINDOW_EVENTS_COLUMNS})")
    # The catalog's own view text (queries/sql/catalog/), in DuckDB's spelling of EXCEPT.
    view = (Path(__file__).resolve().parents[2] / "queries" / "sql" / "catalog" / "maintenance_windows.sql")
    con.execute("CREATE VIEW maintenance_windows AS " + view.read_text().replace("EXCEPT (rn)", "EXCLUDE (rn)"))
    return con


def params_for(name, args):
    if name in RANGE_REPORTS:
        p = {"from_date": dt.date.fromisoformat(args.from_date), "to_date": dt.date.fromisoformat(args.to_date)}
        if name == "utilization_daily":
            p.update({"business_start_minute": 480, "business_end_minute": 1080})
        return p
    as_of = dt.datetime.fromisoformat(args.as_of.replace("Z", "+00:00"))
    return {"as_of": as_of}


def used_params(sql, params):
    """Only the parameters the SQL text names (DuckDB refuses extra ones)."""
    body = "\n".join(l for l in sql.splitlines() if not l.lstrip().startswith("--"))
    return {k: v for k, v in params.items() if f"${k}" in body}


def report_sql(sql_dir, name):
    """A report's SQL text, composed as the registry (queries/src/reports.rs) composes it."""
    sql = (Path(sql_dir) / f"{name}.sql").read_text()
    if name == "health_overview_summary":
        sql += (Path(sql_dir) / "health_overview.sql").read_text()
        sql += "\n) AS overview\nGROUP BY site, status\nORDER BY site NULLS LAST, status\n"
    if name == "room_health_summary":
        sql += (Path(sql_dir) / "room_health_daily.sql").read_text()
        sql += '\n) AS daily\nGROUP BY "date"\nORDER BY "date"\n'
    return sql


def run_one_duckdb(args):
    """Child mode: one report in DuckDB; prints a JSON line with rows and seconds."""
    sql = report_sql(args.sql_dir, args.one)
    start = time.perf_counter()
    con = connect(Path(args.lake), args.rooms_csv, args.threads)
    table = con.execute(sql, used_params(sql, params_for(args.one, args))).to_arrow_table()
    seconds = time.perf_counter() - start
    if args.result:
        import pyarrow.parquet as pq

        pq.write_table(table, args.result)
    print(json.dumps({"rows": table.num_rows, "seconds": seconds}))


def read_roomsight_parquet(directory):
    """The rows `roomsight report --format parquet --out DIR` wrote, as one Arrow table (None
    when it wrote no file: a report without rows)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted(Path(directory).rglob("*.parquet"))
    if not files:
        return None
    return pa.concat_tables([pq.ParquetFile(f).read() for f in files])


def plain(value):
    """A cell as a comparable Python value: numbers as int or float, times in UTC."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def same_cell(a, b):
    a, b = plain(a), plain(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        x, y = float(a), float(b)
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return abs(x - y) <= max(REL_TOLERANCE * max(abs(x), abs(y)), ABS_TOLERANCE)
    return a == b


def sort_key(value):
    """A cell as a sort key: values of one column order among themselves, nulls last."""
    value = plain(value)
    if value is None:
        return (1, "")
    if isinstance(value, (bool, int, float)):
        return (0, float(value))
    if isinstance(value, dt.date):
        return (0, value.isoformat())
    return (0, str(value))


def compare_values(name, ours, theirs):
    """Why the two results differ, as sentences (none when they agree)."""
    import pyarrow as pa

    n_ours = 0 if ours is None else ours.num_rows
    if n_ours != theirs.num_rows:
        return [f"{name}: roomsight returned {n_ours} rows, DuckDB {theirs.num_rows}"]
    if n_ours == 0:
        return []
    if ours.column_names != theirs.column_names:
        return [f"{name}: the columns differ: roomsight {ours.column_names}, DuckDB {theirs.column_names}"]
    columns = ours.column_names
    keys = KEYS.get(name) or [f.name for f in ours.schema if not pa.types.is_floating(f.type)]
    order = keys + [c for c in columns if c not in keys]

    def rows(table):
        return sorted(table.to_pylist(), key=lambda r: tuple(sort_key(r[c]) for c in order))

    problems = []
    for i, (a, b) in enumerate(zip(rows(ours), rows(theirs)), start=1):
        for c in columns:
            if not same_cell(a[c], b[c]):
                where = ", ".join(f"{k}={a[k]}" for k in keys)
                problems.append(f"{name}: row {i} ({where}), column {c}: roomsight {a[c]!r}, DuckDB {b[c]!r}")
                if len(problems) >= SHOW_DIFFERENCES:
                    return problems
    return problems


def run_measured(cmd):
    """Runs cmd with its rusage: (wall seconds, peak RSS MiB, stdout text)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        text, error = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}): {error.strip()}")
    return wall, usage.ru_maxrss / 1024, text


def count_csv_rows(path):
    with open(path, "rb") as f:
        return max(sum(1 for _ in f) - 1, 0)


def duckdb_only(args):
    """Only the DuckDB side (no roomsight binary with `report` at hand)."""
    print(f"{'report':<26} {'rows':>8} {'duckdb s':>9} {'MiB':>6}")
    for name in args.reports.split(","):
        cmd = [sys.executable, __file__, "--one", name, "--lake", args.lake, "--sql-dir", args.sql_dir,
               "--from", args.from_date, "--to", args.to_date, "--as-of", args.as_of]
        if args.rooms_csv:
            cmd += ["--rooms-csv", args.rooms_csv]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        _, rss, text = run_measured(cmd)
        line = json.loads(text.strip().splitlines()[-1])
        print(f"{name:<26} {line['rows']:>8} {line['seconds']:>9.2f} {rss:>6.0f}", flush=True)


def compare(args):
    """Times each report in roomsight and, beside it, in DuckDB over the same files. On an S3
    lake only roomsight's side runs (DuckDB would need its httpfs extension, and so the network)."""
    names = args.reports.split(",")
    duck = not args.lake.startswith("s3://")
    print(f"{'report':<26} {'rows':>8} {'roomsight s':>12} {'MiB':>6} {'duckdb s':>9} {'MiB':>6} {'ratio':>6}")
    results = []
    mismatches = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            window = (["--from", args.from_date, "--to", args.to_date] if name in RANGE_REPORTS
                      else ["--as-of", args.as_of])
            out_csv = Path(tmp) / f"{name}.csv"
            ours = [args.bin, "report", name, "--lake", args.lake, *window, "--no-write",
                    "--format", "csv", "--out", str(out_csv)]
            duck_result = Path(tmp) / f"{name}.duckdb.parquet"
            theirs = [sys.executable, __file__, "--one", name, "--lake", args.lake,
                      "--sql-dir", args.sql_dir, "--from", args.from_date, "--to", args.to_date,
                      "--as-of", args.as_of, "--result", str(duck_result)]
            if args.rooms_csv:
                theirs += ["--rooms-csv", args.rooms_csv]
            if args.threads:
                theirs += ["--threads", str(args.threads)]
            best_ours, best_theirs = None, None
            for _ in range(args.repeat):
                wall, rss, _ = run_measured(ours)
                rows = count_csv_rows(out_csv)
                if best_ours is None or wall < best_ours[0]:
                    best_ours = (wall, rss, rows)
                if not duck:
                    continue
                _, dd_rss, text = run_measured(theirs)
                line = json.loads(text.strip().splitlines()[-1])
                if best_theirs is None or line["seconds"] < best_theirs[0]:
                    best_theirs = (line["seconds"], dd_rss, line["rows"])
            if best_theirs is None:
                best_theirs = (None, None, None)
            ratio = best_ours[0] / best_theirs[0] if duck else None
            problems = []
            if duck:
                import pyarrow.parquet as pq

                values_dir = Path(tmp) / f"{name}.roomsight"
                run_measured([args.bin, "report", name, "--lake", args.lake, *window, "--no-write",
                              "--format", "parquet", "--out", str(values_dir)])
                problems = compare_values(name, read_roomsight_parquet(values_dir), pq.read_table(duck_result))
                if best_ours[2] != best_theirs[2]:
                    problems.insert(0, f"{name}: the CSV had {best_ours[2]} rows, DuckDB {best_theirs[2]}")
            note = ""
            if duck:
                note = "  values differ" if problems else "  values agree"
            print(f"{name:<26} {best_ours[2]:>8} {best_ours[0]:>12.2f} {best_ours[1]:>6.0f} "
                  f"{duckdb_cells(best_theirs[0], best_theirs[1], ratio)}{note}", flush=True)
            for problem in problems:
                print(f"    {problem}", flush=True)
            mismatches.extend(problems)
            results.append({"report": name, "rows": best_ours[2], "roomsight_s": best_ours[0],
                            "roomsight_rss_mib": best_ours[1], "duckdb_s": best_theirs[0],
                            "duckdb_rss_mib": best_theirs[1], "duckdb_rows": best_theirs[2],
                            "ratio": ratio, "values_agree": (not problems) if duck else None})
    total_ours = sum(r["roomsight_s"] for r in results)
    total_theirs = sum(r["duckdb_s"] for r in results) if duck else None
    peak_theirs = max(r["duckdb_rss_mib"] for r in results) if duck else None
    print(f"{'all reports':<26} {'':>8} {total_ours:>12.2f} {max(r['roomsight_rss_mib'] for r in results):>6.0f} "
          f"{duckdb_cells(total_theirs, peak_theirs, total_ours / total_theirs if duck else None)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if mismatches:
        reports = sorted({m.split(":", 1)[0] for m in mismatches})
        sys.exit(f"roomsight and DuckDB disagree on {', '.join(reports)} (details above)")


def duckdb_cells(seconds, mib, ratio):
    """The DuckDB seconds, MiB and ratio columns; dashes where DuckDB did not run (S3)."""
    if seconds is None:
        return f"{'-':>9} {'-':>6} {'-':>6}"
    return f"{seconds:>9.2f} {mib:>6.0f} {ratio:>6.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lake", required=True)
    p.add_argument("--bin", help="the roomsight binary")
    p.add_argument("--sql-dir", default=str(Path(__file__).resolve().parents[2] / "queries" / "sql" / "reports"))
    p.add_argument("--reports", default="")
    p.add_argument("--from", dest="from_date", required=True)
    p.add_argument("--to", dest="to_date", required=True)
    p.add_argument("--as-of", required=True)
    p.add_argument("--rooms-csv", help="room directory for DuckDB when the lake has none")
    p.add_argument("--threads", type=int, help="DuckDB threads (default: all cores, like DataFusion)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--one", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        run_one_duckdb(args)
    elif args.bin is None and args.reports:
        duckdb_only(args)
    else:
        if not args.bin or not args.reports:
            p.error("--bin and --reports are needed to compare")
        compare(args)


if __name__ == "__main__":
    main()
