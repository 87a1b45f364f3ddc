"""AppTest for databases in the app: the Data page's "Connect a database" (a connection from the secrets, the
table picker with row counts, the read-only query box, the preview, the rows becoming the loaded table) and the
Export page's "Write to the database" with its audit line."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from core.auth.audit import read_audit
from core.runs.store import load_run, runs_dir
from tests.app.test_pages import APP, _page
from tests.conftest import planted_customers
from ui.export import membership


@pytest.fixture
def shop(tmp_path) -> str:
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.register("planted", planted_customers())
        conn.execute("CREATE TABLE customers AS SELECT * FROM planted")
    return f"duckdb:///{path}"


def _app(url: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["connections"] = {"shop": {"url": url}}
    return at.run()


def test_connect_pick_a_table_preview_and_use_it(ws, shop):
    at = _page(_app(shop), "data")
    assert not at.exception
    assert at.selectbox(key="db-read-connection").options == [f"shop — {shop}", "A DuckDB file on the server…"]
    assert at.selectbox(key="db-read-table").options == ["customers (120 rows)"]
    at.button(key="db-read-go").click().run()
    assert not at.exception and not at.error
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 20  # the preview (no table loaded yet)
    at.button(key="db-use").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Rows"] == "120"
    assert at.session_state["dataset"]["name"] == f"customers ({shop})"
    assert "customer_id" in at.data_editor[0].value["column"].tolist()


def test_a_write_query_is_refused_and_nothing_is_loaded(ws, shop):
    at = _page(_app(shop), "data")
    at.radio(key="db-read-how").set_value("A query").run()
    at.text_area(key="db-read-query").input("DELETE FROM customers").run()
    at.button(key="db-read-go").click().run()
    assert not at.exception
    assert any("Only a SELECT" in e.value for e in at.error)
    assert not at.metric  # no table loaded
    with duckdb.connect(shop.removeprefix("duckdb:///"), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (120,)


def test_write_segments_to_the_database_with_an_audit_line(ws, shop, planted_run):
    shutil.copytree(runs_dir(planted_run.workspace), runs_dir(ws))  # the session's saved run, not a new one
    run_id = planted_run.run_id
    rows = len(load_run(ws, run_id).segments)
    at = _app(shop)
    at.session_state["run_id"] = run_id
    _page(at, "export")
    assert not at.exception
    at.text_input(key="db-write-table").input("segments_run").run()
    at.button(key="db-write-go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(f"wrote {rows:,} rows to segments" in s.value.replace("\\", "") for s in at.success), at.success
    path = shop.removeprefix("duckdb:///")
    with duckdb.connect(path, read_only=True) as conn:
        written = conn.execute("SELECT * FROM segments_run ORDER BY id").fetchdf()
    expected = membership(load_run(ws, run_id), (-1, 0, 1, 2)).sort_values("id").reset_index(drop=True)
    assert written["id"].tolist() == expected["id"].tolist()
    assert written["segment_id"].tolist() == expected["segment_id"].tolist()
    entry = read_audit(ws)[-1]
    assert entry["file"] == f"table segments_run at {shop}" and entry["user"] == "local" and entry["rows"] == rows

    at.button(key="db-write-go").click().run()  # again: the table exists and "stop" is chosen
    assert any("already exists" in e.value for e in at.error)
    assert len(read_audit(ws)) == 1
