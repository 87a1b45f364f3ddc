"""In Chromium: run two levels of segments from the Map form, drill into a parent on the map, see the tree."""

from __future__ import annotations

import re
import shutil

import pytest

from core.testing.nested import planted_levels
from tests.e2e.harness import CHROMIUM, app_server, browser_page, open_page, run_segmentation, wait_idle

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is installed by ./run_tests.sh")

LEGEND = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot'))
  .flatMap(gd => (gd._fullData || []).map(t => t.name || ''))"""


def _choose(page, group: str, option: str) -> None:
    """Click ``option`` in the radio group labelled ``group``."""
    page.locator('[data-testid="stRadio"]').filter(has_text=group).get_by_text(option, exact=True).click()


def test_two_levels_from_the_form_then_drill_into_a_parent(tmp_path):
    planted_levels().frame.to_csv(tmp_path / "planted.csv", index=False)
    with app_server(tmp_path / "ws", env={"SEGMENT_STUDIO_EMBEDDER": "fake"}) as url, browser_page() as page:
        page.goto(url)
        wait_idle(page)
        open_page(page, "Data")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(tmp_path / "planted.csv"))
        page.wait_for_selector('[data-testid="stMetricValue"]:has-text("360")', timeout=60_000)
        wait_idle(page)

        open_page(page, "Map")
        _choose(page, "Algorithm", "KMeans")
        k = page.get_by_role("spinbutton", name=re.compile(r"Number of segments \(k\)"))
        k.fill("3")
        k.press("Tab")
        _choose(page, "Levels", "2")
        run_segmentation(page, timeout=300)
        assert len([name for name in page.evaluate(LEGEND) if name]) == 6  # six segments inside three parents

        drill = page.locator('[data-testid="stSelectbox"]').filter(has_text="Drill into a parent")
        drill.click()
        page.get_by_role("option").nth(2).click()  # the second parent
        page.wait_for_function(LEGEND.replace(
            ".flatMap(gd => (gd._fullData || []).map(t => t.name || ''))",
            ".flatMap(gd => (gd._fullData || []).map(t => t.name || '')).some(n => n.startsWith('Outside'))"),
            timeout=60_000)
        wait_idle(page)
        names = page.evaluate(LEGEND)
        assert len(names) == 3 and names[-1].startswith("Outside ")  # two children in colour, everyone else grey

        open_page(page, "Segments")
        assert page.get_by_text("Segments within segments: 3 parents").is_visible()
        assert page.locator('.sunburstlayer .slice').count() == 9  # three parents and their six segments
