"""The command line against databases: a DuckDB file, and a real PostgreSQL server (tests/postgres.py) with
customers, interactions and items in tables, recommendations written back, and a refresh appending a period."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

from core.testing.synthetic import generate
from tests.conftest import planted_customers
from tests.pipeline.test_cli import assert_clean_error, run_cli
from tests.postgres import PASSWORD

FAKE = ("--embedder", "fake", "--algo", "kmeans", "--k", "3", "--seed", "1", "--quiet")


def _csv(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"id": str})


def _same_rows(table: pd.DataFrame, csv: pd.DataFrame) -> None:
    table = table.sort_values("id").reset_index(drop=True)
    csv = csv.sort_values("id").reset_index(drop=True)
    assert list(table.columns) == list(csv.columns)
    assert table["id"].tolist() == csv["id"].tolist()
    assert table["segment_id"].tolist() == csv["segment_id"].tolist()
    assert table["segment_name"].tolist() == csv["segment_name"].tolist()
    pd.testing.assert_frame_equal(table.drop(columns=["id", "segment_name"]), csv.drop(columns=["id", "segment_name"]),
                                  check_dtype=False)


@pytest.mark.slow
def test_duckdb_table_in_segments_table_out(tmp_path):
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.register("planted", planted_customers())
        conn.execute("CREATE TABLE customers AS SELECT * FROM planted")
    url, out = f"duckdb:///{path}", tmp_path / "o"
    proc = run_cli("segment", url, "--table", "customers", "--id-col", "customer_id", "--text-col", "review",
                   "--out", out, "--workspace", tmp_path / "ws", "--to-sql", url, "--to-table", "segments_run", *FAKE)
    assert proc.returncode == 0, proc.stderr
    assert "wrote 120 rows to segments_run" in proc.stdout
    with duckdb.connect(str(path), read_only=True) as conn:
        written = conn.execute("SELECT * FROM segments_run").fetchdf()
    _same_rows(written, _csv(out / "segments.csv"))

    assigned = run_cli("assign", out, url, "--query", "SELECT * FROM customers WHERE age < 50", "--out",
                       tmp_path / "a", "--workspace", tmp_path / "ws", "--to-sql", url, "--to-table", "assigned",
                       "--quiet")
    assert assigned.returncode == 0, assigned.stderr
    with duckdb.connect(str(path), read_only=True) as conn:
        _same_rows(conn.execute("SELECT * FROM assigned").fetchdf(), _csv(tmp_path / "a" / "segments.csv"))

    again = run_cli("segment", url, "--table", "no_such_table", "--out", tmp_path / "o2", "--quiet")
    assert_clean_error(again, "no_such_table")
    assert not (tmp_path / "o2").exists()


@pytest.fixture(scope="module")
def shop(postgres):
    """The synthetic shop's users, interactions and items, and the planted customers, in PostgreSQL tables."""
    data = generate(n_users=300, n_items=120, n_segments=3, n_categories=6, mean_interactions=10, seed=3)
    engine = sa.create_engine(postgres.url())
    with engine.begin() as conn:
        data.users.to_sql("users", conn, index=False)
        data.interactions.rename(columns={"customer_id": "buyer"}).to_sql("events", conn, index=False)
        data.items.to_sql("items", conn, index=False)
        planted_customers().to_sql("customers", conn, index=False)
    engine.dispose()
    return postgres.url(), data


def _table(url: str, sql: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql(sa.text(sql), conn)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_postgres_customers_interactions_items_and_recommendations_back(shop, tmp_path):
    url, data = shop
    out = tmp_path / "o"
    proc = run_cli("segment", url, "--table", "users", "--out", out, "--workspace", tmp_path / "ws",
                   "--interactions-table", "events", "--interactions-user-col", "buyer", "--item-col", "item_id",
                   "--value-col", "amount", "--time-col", "time", "--items-table", "items", "--top-k", "5",
                   "--to-sql", url, "--to-table", "shop_segments", "--algo", "kmeans", "--k", "3", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr + (out / "run.json").read_text()
    _same_rows(_table(url, "SELECT * FROM shop_segments"), _csv(out / "segments.csv"))
    lists = _table(url, "SELECT * FROM shop_segments_recommendations")
    users = pd.read_csv(out / "user_recommendations.csv", encoding="utf-8-sig", dtype={"id": str, "item_id": str})
    assert len(lists) == len(users) and lists["id"].nunique() == 300 and lists.groupby("id").size().max() == 5
    assert sorted(zip(lists["id"], lists["rank"], lists["item_id"].astype(str), strict=True)) == sorted(
        zip(users["id"], users["rank"], users["item_id"], strict=True))

    wrong = run_cli("segment", url.replace(PASSWORD, "wrong-password"), "--table", "users", "--out", tmp_path / "w",
                    "--quiet")
    assert_clean_error(wrong, "refused the user name or password")
    assert "wrong-password" not in wrong.stderr
    exists = run_cli("segment", url, "--table", "users", "--out", tmp_path / "e", "--to-sql", url, "--to-table",
                     "shop_segments", "--quiet")
    assert_clean_error(exists, "'shop_segments' already exists")
    writes = run_cli("segment", url, "--query", "WITH x AS (SELECT 1) INSERT INTO users SELECT * FROM users",
                     "--out", tmp_path / "q", "--quiet")
    assert_clean_error(writes, "INSERT")
    assert not any((tmp_path / name).exists() for name in ("w", "e", "q"))


@pytest.mark.slow
def test_postgres_refresh_appends_a_period(shop, tmp_path):
    url, _ = shop
    first = run_cli("segment", url, "--table", "customers", "--id-col", "customer_id", "--text-col", "review",
                    "--out", tmp_path / "p1", "--workspace", tmp_path / "ws", "--to-sql", url, "--to-table",
                    "history", "--if-exists", "append-run", "--run-id", "2026-11", *FAKE)
    assert first.returncode == 0, first.stderr
    second = run_cli("refresh", tmp_path / "p1", url, "--query", "SELECT * FROM customers WHERE age > 30",
                     "--out", tmp_path / "p2", "--workspace", tmp_path / "ws", "--to-sql", url, "--to-table",
                     "history", "--if-exists", "append-run", "--run-id", "2026-12", "--quiet")
    assert second.returncode == 0, second.stderr
    history = _table(url, "SELECT * FROM history")
    counts = history.groupby("run_id").size().to_dict()
    period2 = _csv(tmp_path / "p2" / "segments.csv")
    assert counts == {"2026-11": 120, "2026-12": len(period2)} and 0 < len(period2) < 120
    rows = history[history["run_id"] == "2026-12"].drop(columns="run_id")[list(period2.columns)]
    _same_rows(rows, period2)


@pytest.mark.slow
def test_postgres_read_side_refuses_writes_and_unreadable_types(shop):
    url, _ = shop
    from core.errors import InputError
    from core.ingest.sql import SqlSource, connect, read_sql

    with connect(url) as conn, pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
        conn.execute(sa.text("CREATE TABLE sneaky (a int)"))  # past the statement check: the session refuses
    with pytest.raises(InputError, match="'photo' .* bytes"):
        read_sql(SqlSource(url, query="SELECT 'c1' AS id, '\\xdeadbeef'::bytea AS photo"))
    with pytest.raises(InputError, match="no table 'no_such_table'"):
        read_sql(SqlSource(url, table="no_such_table"))
