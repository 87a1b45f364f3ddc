"""Reading tables from a database (DuckDB here; PostgreSQL in tests/pipeline/test_sql_postgres.py) and writing
segments back: the same table a CSV gives, read-only, one-sentence errors, atomic writes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

from core.cli import main
from core.errors import InputError, ParameterError
from core.ingest.io import load_table
from core.ingest.source import load_source
from core.ingest.sql import SqlSource, check_select, connect, mask_url, read_sql, table_counts
from core.runs.sql_export import SqlTarget, check_target, write_tables
from tests.conftest import planted_customers


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A DuckDB file with the planted customers (native types: age is a DOUBLE) and a table with a BLOB."""
    path = tmp_path / "shop.duckdb"
    customers = planted_customers()
    with duckdb.connect(str(path)) as conn:
        conn.register("planted", customers)
        conn.execute("CREATE TABLE customers AS SELECT * FROM planted")
        conn.execute("CREATE TABLE photos AS SELECT 'c1' AS id, '\\xAA'::BLOB AS photo")
        conn.execute("CREATE TABLE empty AS SELECT * FROM customers WHERE false")
    return f"duckdb:///{path}"


def _rows(url: str, sql: str) -> list[tuple]:
    with duckdb.connect(sa.make_url(url).database, read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_a_table_reads_as_the_same_csv_would(db, tmp_path):
    csv = tmp_path / "customers.csv"
    planted_customers().to_csv(csv, index=False)
    from_file, from_db = load_table(csv), read_sql(SqlSource(db, table="customers"))
    pd.testing.assert_frame_equal(from_db.frame, from_file.frame)
    assert from_db.format == "sql" and "customers (duckdb:///" in from_db.describe()
    again = read_sql(SqlSource(db, query="SELECT * FROM customers"))
    assert again.content_hash == from_db.content_hash and len(from_db.content_hash) == 16
    fewer = read_sql(SqlSource(db, query="SELECT * FROM customers WHERE age > 30"))
    assert fewer.content_hash != from_db.content_hash and 0 < len(fewer.frame) < len(from_db.frame)


def test_chunks_give_the_same_table_with_progress(db):
    seen: list[tuple[str, float, str]] = []
    chunked = read_sql(SqlSource(db, table="customers", chunk_rows=7), lambda *a: seen.append(a))
    whole = read_sql(SqlSource(db, table="customers"))
    pd.testing.assert_frame_equal(chunked.frame, whole.frame)
    assert chunked.content_hash == whole.content_hash
    assert len(seen) == 18 and seen[-1][1] == 1.0 and "Read 120 rows" in seen[-1][2]


def test_row_limit(db):
    with pytest.raises(InputError, match="120 rows, over the limit of 50"):
        read_sql(SqlSource(db, table="customers", max_rows=50))
    with pytest.raises(InputError, match="more than 50 rows"):
        read_sql(SqlSource(db, query="SELECT * FROM customers", max_rows=50, chunk_rows=20))


@pytest.mark.parametrize(("source", "words"), [
    (dict(table="no_such_table"), ["no table 'no_such_table'", "customers"]),
    (dict(table="empty"), ["returned no rows"]),
    (dict(query="SELECT * FROM customers WHERE age > 1000"), ["returned no rows"]),
    (dict(query="SELECT * FROM nowhere"), ["The query failed", "nowhere"]),
    (dict(table="photos"), ["'photo'", "bytes", "cannot be read as text"]),
    (dict(query="DELETE FROM customers"), ["Only a SELECT", "DELETE"]),
    (dict(query="WITH gone AS (DELETE FROM customers RETURNING *) SELECT * FROM gone"), ["DELETE", "writes"]),
    (dict(query="SELECT 1; DROP TABLE customers"), ["more than one statement"]),
    (dict(), ["Name a table"]),
])
def test_bad_sources_say_what_to_do(db, source, words):
    with pytest.raises(InputError) as caught:
        read_sql(SqlSource(db, **source))
    for word in words:
        assert word in caught.value.message
    assert _rows(db, "SELECT count(*) FROM customers") == [(120,)]


def test_queries_that_only_read_pass_the_check():
    assert check_select("-- the big spenders\nSELECT * FROM t WHERE note = 'delete; me';") == (
        "SELECT * FROM t WHERE note = 'delete; me'")
    assert check_select("with a as (select 1) select * from a").startswith("with")
    assert check_select("SELECT created_at, updated FROM t")  # words that merely contain create/update


def test_the_read_side_connection_refuses_writes(db):
    with connect(db) as conn, pytest.raises(sa.exc.DBAPIError, match="read-only"):
        conn.execute(sa.text("CREATE TABLE sneaky (a INT)"))


@pytest.mark.parametrize(("url", "words"), [
    ("postgresql://analyst:topsecret@127.0.0.1:1/shop", ["Could not reach the database server", "127.0.0.1"]),
    ("duckdb:////no/such/folder/x.duckdb", ["does not exist"]),
    ("nosuchdialect://host/db", ["No database driver"]),
])
def test_unreachable_databases(url, words):
    with pytest.raises(InputError) as caught:
        read_sql(SqlSource(url, table="customers"))
    for word in words:
        assert word in caught.value.message
    assert "topsecret" not in caught.value.message


def test_passwords_are_masked():
    assert mask_url("postgresql://me:hunter2@db.example:5432/shop") == "postgresql://me:***@db.example:5432/shop"
    assert "hunter2" not in mask_url("weird scheme://me:hunter2@host")
    assert mask_url("duckdb:///data/shop.duckdb") == "duckdb:///data/shop.duckdb"
    assert mask_url("duckdb:///:memory:") == "duckdb:///:memory:"
    assert mask_url("snowflake://me@acct/db?password=hunter2&warehouse=w") == (
        "snowflake://me@acct/db?password=***&warehouse=w")


def test_load_source_reads_files_and_urls(db, planted_csv):
    assert len(load_source(planted_csv).frame) == len(load_source(db, table="customers").frame) == 120
    with pytest.raises(ParameterError, match="database URL"):
        load_source(planted_csv, table="customers")


def test_table_counts(db):
    assert table_counts(db) == [("customers", 120), ("empty", 0), ("photos", 1)]


def test_write_fail_replace_append_run(db):
    frame = pd.DataFrame({"id": ["a", "b"], "segment_id": [0, 1], "membership": [0.5, None], "outlier": [False, True]})
    assert write_tables(SqlTarget(db, "segs"), frame) == {"segs": 2}
    assert _rows(db, "SELECT * FROM segs ORDER BY id") == [("a", 0, 0.5, False), ("b", 1, None, True)]
    with pytest.raises(InputError, match="already exists"):
        check_target(SqlTarget(db, "segs"))
    write_tables(SqlTarget(db, "segs", "replace"), frame.head(1))
    assert _rows(db, "SELECT id FROM segs") == [("a",)]
    assert [name for (name,) in _rows(db, "SHOW TABLES") if name.startswith("segs")] == ["segs"]  # no staging left
    write_tables(SqlTarget(db, "history", "append-run", "2026-01"), frame)
    write_tables(SqlTarget(db, "history", "append-run", "2026-02"), frame.head(1))
    assert _rows(db, "SELECT run_id, count(*) FROM history GROUP BY 1 ORDER BY 1") == [("2026-01", 2), ("2026-02", 1)]
    with pytest.raises(InputError, match="has the columns"):
        write_tables(SqlTarget(db, "history", "append-run"), frame.assign(extra=1))


def test_a_failed_write_leaves_every_table_as_it_was(db):
    frame = pd.DataFrame({"id": ["a"], "segment_id": [0]})
    write_tables(SqlTarget(db, "out_recommendations"), frame)  # the second table of the next write exists
    with pytest.raises(InputError, match="already exists"):
        write_tables(SqlTarget(db, "out"), frame, recommendations=frame)
    assert "out" not in [name for (name,) in _rows(db, "SHOW TABLES")]  # the first one was rolled back


def test_bad_target_names():
    with pytest.raises(InputError, match="not a table name"):
        SqlTarget("duckdb:///x.duckdb", "segs; DROP TABLE customers").validate()


def test_cli_errors_are_one_line_and_write_nothing(db, tmp_path, capsys):
    out = tmp_path / "o"
    cases = [
        (["--table", "no_such_table"], "no table 'no_such_table'"),
        (["--query", "UPDATE customers SET age = 0"], "Only a SELECT"),
        (["--table", "customers", "--to-sql", db, "--to-table", "customers"], "'customers' already exists"),
        (["--table", "customers", "--to-table", "x"], "only apply with --to-sql"),
        (["--table", "customers", "--interactions-table", "no_such_table", "--item-col", "item"],
         "no table 'no_such_table'"),
    ]
    for extra, words in cases:
        code = main(["segment", db, "--out", str(out), "--workspace", str(tmp_path / "ws"), "--embedder", "fake",
                     "--quiet", *extra])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and err[0].startswith("error:") and words in err[0], err
    code = main(["segment", str(tmp_path / "x.csv"), "--table", "t", "--out", str(out)])
    assert code == 2 and "database URL" in capsys.readouterr().err
    assert not out.exists()


def test_numbers_and_dates_read_as_python_writes_them(tmp_path):
    path = tmp_path / "n.duckdb"
    floats = [1.0, 62.123456789012345, None, 1e16, 1e-7, 0.1 + 0.2, 123456789.125]
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE t (f DOUBLE, i BIGINT, j BIGINT, d DATE)")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)",
                         [(f, n, None if n == 3 else n, "2026-01-0" + str(n + 1)) for n, f in enumerate(floats)])
    frame = read_sql(SqlSource(f"duckdb:///{path}", query="SELECT * FROM t ORDER BY i")).frame
    assert frame["f"].tolist() == [pd.NA if f is None else str(f) for f in floats]
    assert frame["i"].tolist() == [str(n) for n in range(7)]
    assert frame["j"].tolist() == [pd.NA if n == 3 else str(n) for n in range(7)]
    assert frame["d"].tolist()[:2] == ["2026-01-01", "2026-01-02"]
