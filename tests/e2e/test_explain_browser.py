"""In Chromium: a click on one map point explains that customer; a segment card's lookalikes download as CSV."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd

from tests.e2e.harness import app_server, browser_page, wait_idle

POINT = """() => { const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  const t = gd._fullData[0], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return {x: box.left + xa.l2p(t.x[0]), y: box.top + ya.l2p(t.y[0]), row: t.customdata[0]}; }"""


def test_click_a_point_then_download_a_segments_lookalikes(planted_run, tmp_path):
    shutil.copytree(planted_run.workspace, tmp_path / "ws")
    ids = planted_run.result.customers.frame["id"].tolist()
    with app_server(tmp_path / "ws", env={"SEGMENT_STUDIO_EMBEDDER": "fake"}) as url, browser_page() as page:
        page.goto(f"{url}/map?run={planted_run.run_id}")
        page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
        wait_idle(page)
        point = page.evaluate(POINT)
        page.mouse.click(point["x"], point["y"])
        page.wait_for_selector(f'strong:has-text("Customer {ids[point["row"]]}")', timeout=60_000)
        wait_idle(page)
        assert page.get_by_text("Runner-up").first.is_visible()

        page.goto(f"{url}/segments?run={planted_run.run_id}")
        page.wait_for_selector('h1:has-text("Segments")', timeout=60_000)
        wait_idle(page)
        page.get_by_text("Find lookalikes").first.click()
        page.wait_for_selector('button:has-text("Audience of")', timeout=60_000)
        wait_idle(page)
        with page.expect_download() as download:
            page.locator('button:has-text("Audience of")').first.click()
        audience = pd.read_csv(io.BytesIO(Path(download.value.path()).read_bytes()), encoding="utf-8-sig",
                               dtype={"id": str})
    members = set(planted_run.result.segments_frame().query("segment_id == 0")["id"])
    assert list(audience.columns) == ["id", "rank", "score", "segment_id"] and len(audience) > 0
    assert not set(audience["id"]) & members
