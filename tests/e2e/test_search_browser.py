"""In Chromium: a query typed in the Map page's search box lights its matches on the map (the others greyed,
still drawn); the matches are saved as a segment."""

from __future__ import annotations

import shutil

from core.runs.store import load_run
from tests.e2e.harness import app_server, browser_page, map_points, wait_idle

TRACES = """() => { const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  return gd._fullData.map(t => ({name: t.name, rows: Array.from(t.customdata || [])})); }"""


def test_type_a_query_see_its_matches_lit_and_save_them_as_a_segment(planted_run, tmp_path):
    shutil.copytree(planted_run.workspace, tmp_path / "ws")
    with app_server(tmp_path / "ws", env={"SEGMENT_STUDIO_EMBEDDER": "fake"}) as url, browser_page() as page:
        page.goto(f"{url}/map?run={planted_run.run_id}")
        page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
        wait_idle(page)
        everyone = map_points(page)
        box = page.get_by_role("textbox", name="Search what customers wrote")
        box.fill("skinny denim jeans")
        box.press("Enter")
        page.wait_for_selector('h3:has-text("Matches: 50")', timeout=60_000)
        wait_idle(page)
        traces = page.evaluate(TRACES)
        lit = traces[-1]
        assert lit["name"] == "Matches (50)" and len(lit["rows"]) == 50
        assert sum(len(t["rows"]) for t in traces[:-1]) == everyone  # greyed, not hidden
        name = page.get_by_role("textbox", name="Name for a new segment").first
        name.fill("Denim fans")
        page.get_by_role("button", name="Save as a segment").first.click()
        saved: list = []
        for _ in range(120):  # the save rewrites the run's files, then the page reruns
            page.wait_for_timeout(500)
            run = load_run(tmp_path / "ws", planted_run.run_id)
            saved = [p for p in run.profiles if p.get("name") == "Denim fans"]
            if saved:
                break
        wait_idle(page)
    assert len(saved) == 1
    members = run.segments.loc[run.segments["segment_id"] == saved[0]["segment_id"], "id"].astype(str)
    ids = run.segments["id"].astype(str).to_numpy()
    assert set(members) == {ids[r] for r in lit["rows"]}
