"""The Changes page in a real browser: the migration Sankey of a refresh renders, one link per flow."""

from __future__ import annotations

import shutil

import pytest

from core.ingest.io import load_table
from core.pipeline import run_segmentation
from core.runs.refresh import refresh_table, save_refresh
from core.runs.store import runs_dir, save_run
from core.testing.periods import two_periods
from tests.e2e.harness import CHROMIUM, app_server, browser_page, open_page, wait_idle
from tests.unit.test_store import PARAMS

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is installed by ./run_tests.sh")


def test_the_migration_sankey_renders(tmp_path):
    ws = tmp_path / "ws"
    data = two_periods(n_per_group=40, n_new=40)
    data.first.to_csv(tmp_path / "p1.csv", index=False)
    data.second.to_csv(tmp_path / "p2.csv", index=False)
    run_id = save_run(run_segmentation(load_table(tmp_path / "p1.csv"), PARAMS, ws), ws, "first")
    refresh = refresh_table(load_table(tmp_path / "p2.csv"), runs_dir(ws) / run_id, ws)
    save_refresh(refresh, ws)
    with app_server(ws, env={"SEGMENT_STUDIO_EMBEDDER": "fake"}) as url, browser_page() as page:
        page.goto(url)
        wait_idle(page)
        open_page(page, "Changes")
        page.wait_for_selector("g.sankey .sankey-link", timeout=60_000)
        links = page.locator("g.sankey .sankey-link").count()
        nodes = page.locator("g.sankey .sankey-node").count()
        assert links == len(refresh.changes["migration"])
        flows = refresh.changes["migration"]
        assert nodes == len({f["from"] for f in flows}) + len({f["to"] for f in flows})
