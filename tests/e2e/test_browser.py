"""The real app in a real browser: upload a CSV, run, see the map, open the segments, download the export."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest

from core.runs.export import SEGMENT_COLUMNS
from tests.e2e.harness import (
    CHROMIUM,
    ROOT,
    app_server,
    box_select,
    browser_page,
    map_points,
    open_page,
    run_segmentation,
    wait_idle,
)

SMALL = ROOT / "tests" / "data" / "reviews_150.csv"

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is installed by ./run_tests.sh")


def test_upload_run_map_segments_export_in_chromium(tmp_path):
    with app_server(tmp_path / "ws", env={"SEGMENT_STUDIO_EMBEDDER": "lexical"}) as url, browser_page() as page:
        page.goto(url)
        wait_idle(page)
        assert page.get_by_role("heading", name="Segment Studio").is_visible()

        open_page(page, "Data")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(SMALL))
        page.wait_for_selector('[data-testid="stMetricValue"]:has-text("150")', timeout=60_000)
        wait_idle(page)

        open_page(page, "Map")
        run_segmentation(page, timeout=300, min_cluster_size=10)
        assert map_points(page) == 150
        assert "run=" in page.url

        box_select(page, 0.02, 0.02, 0.5, 0.98)  # the left half of the map
        page.wait_for_selector('h3:has-text("Selection:")', timeout=60_000)
        wait_idle(page)
        page.get_by_label("Name for a new segment").fill("Left half")
        page.get_by_role("button", name="Save as a segment").click()
        page.wait_for_selector('[data-testid="stPlotlyChart"] .legendtext:has-text("Left half")', timeout=60_000)
        wait_idle(page)

        open_page(page, "Segments")
        assert page.locator('[data-testid="stExpander"]').count() >= 2
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2

        open_page(page, "Export")
        with page.expect_download() as download:
            page.get_by_role("button", name="Segments (CSV)").click()
        with open(download.value.path(), "rb") as f:
            data = f.read()
        assert data.startswith("\ufeff".encode())
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
        # a saved selection is a curation edit, so the export also says who was reassigned from Unassigned
        assert list(frame.columns) == [*SEGMENT_COLUMNS, "reassigned"] and len(frame) == 150
        assert frame["id"].nunique() == 150
        assert (frame["segment_name"] == "Left half").sum() > 0
