"""Databases in a real browser: connect a DuckDB file on the Data page, pick its table, read and use it, run the
segmentation, write the segments back from the Export page; the audit line names the table."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from core.auth.audit import read_audit
from tests.conftest import planted_customers
from tests.e2e.harness import CHROMIUM, app_server, browser_page, open_page, run_segmentation, wait_idle

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is installed by ./run_tests.sh")


def _duckdb_file(page, path: str) -> None:
    page.get_by_label("DuckDB file").fill(path)
    page.get_by_label("DuckDB file").press("Enter")
    wait_idle(page)


def test_connect_a_duckdb_file_run_and_write_the_segments_back(tmp_path):
    ws, path = tmp_path / "ws", str(tmp_path / "shop.duckdb")
    with duckdb.connect(path) as conn:
        conn.register("planted", planted_customers())
        conn.execute("CREATE TABLE customers AS SELECT * FROM planted")
    with app_server(ws, env={"SEGMENT_STUDIO_EMBEDDER": "fake"}) as url, browser_page() as page:
        page.goto(url)
        wait_idle(page)
        open_page(page, "Data")
        page.get_by_text("Connect a database", exact=True).click()
        _duckdb_file(page, path)  # no secrets here: the typed DuckDB file is the only choice
        page.locator('input[value="customers (120 rows)"]').wait_for(timeout=30_000)  # the table picker
        page.get_by_role("button", name="Read the rows").click()
        wait_idle(page)
        page.get_by_role("button", name="Use this table").click()
        wait_idle(page)
        rows = page.locator('[data-testid="stMetric"]').filter(has_text="Rows")
        assert "120" in rows.inner_text()

        open_page(page, "Map")
        run_segmentation(page)
        open_page(page, "Export")
        page.get_by_text("Write to the database", exact=True).click()
        _duckdb_file(page, path)
        page.get_by_label("Table", exact=True).fill("segments_run")
        page.get_by_label("Table", exact=True).press("Enter")
        wait_idle(page)
        page.get_by_role("button", name="Write the segments").click()
        page.get_by_text("rows to segments_run").wait_for(timeout=60_000)

    with duckdb.connect(path, read_only=True) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT id) FROM segments_run").fetchone() == (120, 120)
    entry = read_audit(ws)[-1]
    assert "segments_run" in entry["file"] and entry["rows"] == 120 and entry["user"] == "local"
