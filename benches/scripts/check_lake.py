#!/usr/bin/env python3
"""Checks that a lake holds exactly the input's valid events: its distinct `event_id`s equal
the distinct `event_id`s of the input's valid lines. Exits 1, naming what differs, otherwise.

    check_lake.py --lake LAKE --bin ROOMSIGHT --input events.ndjson [--input more.ndjson]

The two sides are computed apart from the ingest that wrote the lake:
- the input: `roomsight validate --format json` judges the lines (it lists every invalid line),
  and DuckDB reads the `event_id` of every other line from the NDJSON file itself (when some
  lines are invalid, Python reads the file line by line instead, skipping those lines);
- the lake: DuckDB reads the `event_id` column of every Parquet file under
  `telemetry/<table>/date=…/`, all seven tables together (on an `s3://` lake, where DuckDB would
  need its httpfs extension, roomsight's own SQL counts them instead).
Used by the benchmark scripts after every ingest whose figures they print.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TELEMETRY = ["heartbeats", "peripheral_states", "meetings", "bookings", "updates", "enrollments", "logs"]


def invalid_lines(binary, path):
    """Line numbers (1-based, physical) that `roomsight validate` rejects, and the valid count."""
    cmd = [binary, "validate", "--format", "json", "--show", "100000000", str(path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMSIGHT_")}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        sys.exit(f"check_lake: `{' '.join(cmd)}` failed ({proc.returncode}): {proc.stderr.strip()}")
    doc = json.loads(proc.stdout)
    listed = [s["line"] for f in doc["files"] for s in f["first_invalid"]]
    if len(listed) != doc["invalid"]:
        sys.exit(f"check_lake: validate listed {len(listed)} of {doc['invalid']} invalid lines of {path}")
    return set(listed), doc["valid"]


def input_ids_table(con, path, invalid, scratch):
    """A DuckDB relation of the event ids of the valid lines of `path`."""
    if not invalid:
        return (f"SELECT event_id FROM read_json('{path}', format = 'newline_delimited', "
                "columns = {'event_id': 'VARCHAR'})")
    ids = Path(scratch) / (Path(path).name + ".ids.jsonl")
    with open(path, "rb") as src, open(ids, "w") as out:
        for number, line in enumerate(src, start=1):
            if number in invalid or not line.strip():
                continue
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
            out.write(json.dumps({"event_id": json.loads(text)["event_id"]}) + "\n")
    return (f"SELECT event_id FROM read_json('{ids}', format = 'newline_delimited', "
            "columns = {'event_id': 'VARCHAR'})")


def lake_ids_local(lake):
    files = [p for t in TELEMETRY for p in (Path(lake) / "telemetry" / t).glob("date=*/*.parquet")]
    if not files:
        return None
    listed = ", ".join(f"'{p}'" for p in files)
    return f"SELECT event_id FROM read_parquet([{listed}], union_by_name = true)"


def lake_counts_s3(binary, lake):
    union = " UNION ALL ".join(f"SELECT event_id FROM {t}" for t in TELEMETRY)
    sql = f"SELECT count(*) AS n_rows, count(DISTINCT event_id) AS n_ids FROM ({union}) AS t"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROOMSIGHT_")}
    proc = subprocess.run([binary, "sql", "--lake", lake, "-e", sql, "--format", "json"],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"check_lake: roomsight sql failed: {proc.stderr.strip()}")
    row = json.loads(proc.stdout)[0]
    return int(row["n_rows"]), int(row["n_ids"])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lake", required=True)
    p.add_argument("--bin", required=True, help="the roomsight binary (for `validate`)")
    p.add_argument("--input", action="append", required=True, help="an NDJSON file the lake was fed")
    args = p.parse_args()

    import duckdb

    con = duckdb.connect()
    with tempfile.TemporaryDirectory() as scratch:
        parts, valid_lines = [], 0
        for path in args.input:
            invalid, valid = invalid_lines(args.bin, path)
            valid_lines += valid
            parts.append(input_ids_table(con, path, invalid, scratch))
        con.execute(f"CREATE TEMP TABLE input_ids AS SELECT DISTINCT event_id FROM ({' UNION ALL '.join(parts)})")
        n_input = con.execute("SELECT count(*) FROM input_ids").fetchone()[0]

        if args.lake.startswith("s3://"):
            n_rows, n_lake = lake_counts_s3(args.bin, args.lake)
            missing = extra = None
        else:
            lake_sql = lake_ids_local(args.lake)
            if lake_sql is None:
                con.execute("CREATE TEMP TABLE lake_ids (event_id VARCHAR)")
            else:
                con.execute(f"CREATE TEMP TABLE lake_ids AS {lake_sql}")
            n_rows, n_lake = con.execute("SELECT count(*), count(DISTINCT event_id) FROM lake_ids").fetchone()
            missing = con.execute(
                "SELECT event_id FROM input_ids EXCEPT SELECT event_id FROM lake_ids ORDER BY 1 LIMIT 5"
            ).fetchall()
            extra = con.execute(
                "SELECT event_id FROM lake_ids EXCEPT SELECT event_id FROM input_ids ORDER BY 1 LIMIT 5"
            ).fetchall()

    print(f"lake check: input {valid_lines:,} valid lines, {n_input:,} distinct event ids; "
          f"lake {n_rows:,} rows, {n_lake:,} distinct event ids", end="")
    if n_input != n_lake or missing or extra:
        print(" -- MISMATCH")
        if missing:
            print(f"  in the input, not in the lake (first ones): {[m[0] for m in missing]}")
        if extra:
            print(f"  in the lake, not in the input (first ones): {[e[0] for e in extra]}")
        sys.exit(1)
    print(f" -- OK ({n_rows - n_lake:,} duplicate rows not yet compacted away)")


if __name__ == "__main__":
    main()
