"""Two browser sessions on one server at once: each keeps its own upload, its own current run and its own URL."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from core.runs.store import list_runs
from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    app_server,
    map_points,
    open_page,
    run_segmentation,
    wait_idle,
)

SMALL = ROOT / "tests" / "data" / "reviews_150.csv"

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is installed by ./run_tests.sh")


def _upload(page, path, rows: int) -> None:  # page: a playwright Page
    open_page(page, "Data")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.wait_for_selector(f'[data-testid="stMetricValue"]:has-text("{rows}")', timeout=60_000)
    wait_idle(page)


def _sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def test_two_browser_sessions_keep_their_own_upload_and_run(tmp_path):
    from playwright.sync_api import sync_playwright

    other = tmp_path / "first_80.csv"
    pd.read_csv(SMALL).head(80).to_csv(other, index=False)
    workspace = tmp_path / "ws"
    with app_server(workspace, env={"SEGMENT_STUDIO_EMBEDDER": "fake"}) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            one = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            two = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            for page in (one, two):
                page.goto(url)
                wait_idle(page)
            _upload(one, SMALL, 150)
            _upload(two, other, 80)
            open_page(one, "Map")
            run_segmentation(one, timeout=300, min_cluster_size=10)
            open_page(two, "Map")
            run_segmentation(two, timeout=300, min_cluster_size=10)
            assert map_points(one) == 150 and map_points(two) == 80

            run_one = re.search(r"run=([\w-]+)", one.url).group(1)
            run_two = re.search(r"run=([\w-]+)", two.url).group(1)
            assert run_one != run_two and {r["run_id"] for r in list_runs(workspace)} == {run_one, run_two}
            assert len(list((workspace / "uploads").iterdir())) == 2  # one upload folder per session

            # after the other session ran, each still sees its own table and run, also after a refresh
            open_page(one, "Data")
            assert one.locator('[data-testid="stMetricValue"]').first.inner_text() == "150"
            for page, name, run_id in ((one, "reviews_150.csv", run_one), (two, "first_80.csv", run_two)):
                assert name in _sidebar(page) and run_id in _sidebar(page)
                page.reload()
                wait_idle(page)
                assert run_id in _sidebar(page)
        finally:
            browser.close()


def test_a_fresh_servers_first_visit_to_a_page_url_opens_it_inside_the_app(tmp_path):
    """The first visitor of a new server opens /segments?run=… directly: the page shows the saved run
    inside app.py's navigation and sidebar (Streamlit would otherwise fall back to listing pages/ files)."""
    from core.ingest.io import load_table
    from core.parameters import SegmentParams
    from core.pipeline import run_segmentation as segment
    from core.runs.store import save_run
    from core.segment.cluster import ClusterParams
    from core.segment.reduce import ReduceParams
    from tests.e2e.harness import browser_page

    workspace = tmp_path / "ws"
    params = SegmentParams(embedder="fake", reduce=ReduceParams(n_components=5, n_neighbors=15),
                           map=ReduceParams(n_components=2, n_neighbors=15), cluster=ClusterParams(min_cluster_size=10))
    run_id = save_run(segment(load_table(SMALL), params, workspace), workspace)
    with app_server(workspace, env={"SEGMENT_STUDIO_EMBEDDER": "fake"}) as url, browser_page() as page:
        page.goto(f"{url}/segments?run={run_id}")
        page.wait_for_selector('h1:has-text("Segments")', timeout=60_000)
        wait_idle(page)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Recommendations" in nav and "Runs" in nav and "app" not in nav.split()
        assert run_id in _sidebar(page) and "150 customers" in _sidebar(page)
        assert page.locator('[data-testid="stMetricValue"]').first.inner_text().isdigit()
