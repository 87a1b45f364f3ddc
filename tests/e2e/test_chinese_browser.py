"""Chinese reviews in a real browser: a GB18030 table uploaded and run with the app's defaults gives segments
named in Chinese words on the map's legend and on the segment cards, drawn with a CJK font."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from core.testing.chinese_reviews import chinese_reviews
from tests.e2e.harness import CHROMIUM, app_server, browser_page, open_page, run_segmentation, screenshot, wait_idle

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is installed by ./run_tests.sh")
HAN = re.compile(r"[\u4e00-\u9fff]{2,}")  # a Chinese word, not a lone character


def test_chinese_table_runs_with_defaults_and_is_named_in_chinese(tmp_path):
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no Chinese font: Chromium would draw boxes; scripts/setup.sh test installs fonts-noto-cjk"
    path = tmp_path / "评论.csv"
    chinese_reviews(per_category=40, seed=5)[["id", "review"]].to_csv(path, index=False, encoding="gb18030")
    with app_server(tmp_path / "ws") as url, browser_page() as page:
        page.goto(url)
        wait_idle(page)
        open_page(page, "Data")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
        page.wait_for_selector('[data-testid="stMetricValue"]:has-text("400")', timeout=120_000)
        wait_idle(page)

        open_page(page, "Map")
        run_segmentation(page, timeout=600)  # the app's defaults: embedder auto, HDBSCAN
        legend = page.locator('[data-testid="stPlotlyChart"] .legendtext').all_text_contents()
        named = [t for t in legend if HAN.search(t)]
        assert len(named) >= 3, legend
        screenshot(page, tmp_path / "map.png")

        open_page(page, "Segments")
        cards = page.locator('[data-testid="stExpander"] summary').all_inner_texts()
        assert cards and sum(bool(HAN.search(c)) for c in cards) >= 3, cards
