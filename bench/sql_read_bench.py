"""Reading customers from a database against reading the same rows from a Parquet file.

The same synthetic customers (id, age, spend, region, a short review) go into a Parquet file, a DuckDB file and a
private PostgreSQL server (tests/postgres.py, Debian's binaries). Each read runs in its own child process
(``load_table`` for Parquet, ``read_sql`` for the databases, both ending in the same LoadedTable), twice per
source in the order A B C C B A (the faster kept), which reports
its seconds, its peak resident memory (``ru_maxrss``) and that peak minus its resident memory after the imports.

Run: ``python -m bench.sql_read_bench [ROWS]`` (default 1,000,000; writes its section of docs/BENCHMARKS.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import duckdb
import numpy as np
import pandas as pd

from bench.common import WORK
from bench.report import write_section

WORDS = ["fits", "small", "dress", "summer", "denim", "waist", "love", "return", "fabric", "colour", "soft", "long"]
_CHILD = """
import json, resource, sys, time
from core.ingest.io import load_table
from core.ingest.sql import SqlSource, read_sql
base = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:"))
kind, where = sys.argv[1], sys.argv[2]
started = time.perf_counter()
table = load_table(where) if kind == "parquet" else read_sql(SqlSource(where, table="customers"))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": len(table.frame), "seconds": seconds, "peak_mib": peak / 1024,
                  "delta_mib": (peak - base) / 1024}))
"""


def customers(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(WORDS)
    texts = [" ".join(w) for w in words[rng.integers(0, len(WORDS), size=(rows, 8))]]
    return pd.DataFrame({
        "customer_id": [f"c{i:07d}" for i in range(rows)],
        "age": np.round(rng.normal(40, 12, rows), 1),
        "spend": np.round(rng.gamma(2.0, 80.0, rows), 2),
        "region": rng.choice(["north", "south", "east", "west"], rows),
        "review": texts,
    })


def _child(kind: str, where: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run([sys.executable, "-c", _CHILD, kind, where], capture_output=True, text=True, env=env,
                          check=True, timeout=1800)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _postgres_load(url: str, frame: pd.DataFrame) -> None:
    import psycopg
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    with psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
                         dbname=parsed.database) as conn:
        conn.execute("CREATE TABLE customers (customer_id text, age double precision, spend double precision, "
                     "region text, review text)")
        with conn.cursor().copy("COPY customers FROM STDIN") as copy:
            for row in frame.itertuples(index=False):
                copy.write_row(row)


def main(rows: int = 1_000_000) -> None:
    from tests.postgres import postgres_server

    work = WORK / "sql_read"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    frame = customers(rows)
    parquet, db = work / "customers.parquet", work / "customers.duckdb"
    frame.to_parquet(parquet, index=False)
    with duckdb.connect(str(db)) as conn:
        conn.register("frame", frame)
        conn.execute("CREATE TABLE customers AS SELECT * FROM frame")
    results = {}
    with postgres_server() as server:
        url = server.url()
        started = time.perf_counter()
        _postgres_load(url, frame)
        print(f"loaded {rows:,} rows into PostgreSQL in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        sources = [("parquet", str(parquet)), ("duckdb", f"duckdb:///{db}"), ("postgresql", url)]
        for kind, where in sources + sources[::-1]:  # A B C C B A: a load that drifts falls on all three alike
            done = _child(kind, where)
            print(kind, done, file=sys.stderr)
            best = results.get(kind)
            results[kind] = done if best is None or done["seconds"] < best["seconds"] else best
    base = results["parquet"]
    lines = ["| source | rows | seconds | rows/s | peak RSS (MiB) | above imports (MiB) | time vs Parquet | "
             "memory vs Parquet |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for kind, r in results.items():
        lines.append(f"| {kind} | {r['rows']:,} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | "
                     f"{r['peak_mib']:,.0f} | {r['delta_mib']:,.0f} | {r['seconds'] / base['seconds']:.2f}× | "
                     f"{r['delta_mib'] / base['delta_mib']:.2f}× |")
    with open("/proc/loadavg") as load:
        loadavg = load.read().strip()
    body = (
        f"`python -m bench.sql_read_bench {rows}`: {rows:,} synthetic customers (id, age, spend, region, an "
        "8-word review) read into the LoadedTable the pipeline takes: from a Parquet file (`load_table`), from a "
        "DuckDB file and from PostgreSQL 15 on 127.0.0.1 (`read_sql`, a table, chunks of 50,000 rows through "
        "SQLAlchemy, every cell as text like a CSV). One child process per read, each source read twice in the "
        "order Parquet, DuckDB, PostgreSQL, PostgreSQL, DuckDB, Parquet in the same run, the faster of the two kept; "
        "peak RSS is `ru_maxrss`, 'above imports' subtracts the child's resident memory after its imports.\n\n"
        + "\n".join(lines) + f"\n\n/proc/loadavg at the end: `{loadavg}`.\n"
    )
    write_section("sql_read", "Reading customers from DuckDB and PostgreSQL against Parquet", body)
    print(body)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
