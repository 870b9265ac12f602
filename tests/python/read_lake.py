"""Reads a roomsight lake the way an outside engine would: pyarrow datasets and DuckDB over the
Hive folders, no roomsight code. Prints one JSON object: per table, rows, distinct event ids,
rows whose `date=` folder differs from their event date, and DuckDB's row count."""

import json
import os
import re
import sys

import duckdb
import pyarrow.compute as pc
import pyarrow.dataset as ds

EMAIL = re.compile(rb"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}")

lake = sys.argv[1]
out = {}
folders = [("telemetry/" + t, t) for t in sorted(os.listdir(os.path.join(lake, "telemetry")))]
if os.path.isdir(os.path.join(lake, "dead_letters")):
    folders.append(("dead_letters", "dead_letters"))
for folder, table in folders:
    path = os.path.join(lake, folder)
    data = ds.dataset(path, format="parquet", partitioning="hive").to_table()
    entry = {"rows": data.num_rows}
    time_column = "received_at" if table == "dead_letters" else "ts"
    event_date = pc.strftime(data[time_column], format="%Y-%m-%d")
    entry["misplaced"] = int(pc.sum(pc.not_equal(event_date, pc.cast(data["date"], "string"))).as_py() or 0)
    if "event_id" in data.column_names:
        entry["distinct_ids"] = len(pc.unique(data["event_id"]))
    if table == "dead_letters":
        reasons = {}
        for r in data["reason"].to_pylist():
            reasons[r] = reasons.get(r, 0) + 1
        entry["reasons"] = reasons
    emails = 0
    for name in data.column_names:
        column = data[name]
        for value in column.to_pylist():
            if isinstance(value, str):
                value = value.encode()
            if isinstance(value, bytes) and b"@" in value and EMAIL.search(value):
                emails += 1
    entry["emails"] = emails
    glob = os.path.join(path, "*", "*.parquet")
    entry["duckdb_rows"] = duckdb.sql(f"select count(*) from read_parquet('{glob}', hive_partitioning=true)").fetchall()[0][0]
    out[table] = entry
print(json.dumps(out, sort_keys=True))
