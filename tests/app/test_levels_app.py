"""AppTest of segments within segments: the form's Levels setting, the tree on the Segments page, the drill-down on
the Map page and the level chosen on the Export page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.store import load_run, save_run
from core.segment.cluster import ClusterParams
from core.segment.levels import LevelParams
from core.testing.nested import planted_levels
from tests.app.runs import open_run_page
from tests.app.test_map_form import SMALL
from tests.app.test_pages import _app, _page, _upload

TWO = SegmentParams(cluster=ClusterParams(algo="kmeans", k=3, seed=0), levels=LevelParams(levels=2),
                    stability_runs=0)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("levels-app")
    planted_levels().frame.to_csv(folder / "planted.csv", index=False)
    workspace = folder / "ws"
    return workspace, save_run(run_segmentation(load_table(folder / "planted.csv"), TWO, workspace), workspace)


@pytest.fixture
def ws2(saved, ws) -> tuple[Path, str]:
    """The test's own workspace (conftest's ``ws``) holding a copy of the saved two-level run."""
    shutil.copytree(saved[0], ws)
    return ws, saved[1]



def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


@pytest.mark.slow
def test_the_segments_page_shows_the_tree_with_sizes(ws2):
    workspace, run_id = ws2
    run = load_run(workspace, run_id)
    at = open_run_page(run_id, "segments")
    assert any(e.label == "Segments within segments: 3 parents" for e in at.expander)
    sunburst = next(c["data"][0] for c in _charts(at) if c["data"][0]["type"] == "sunburst")
    assert run.parents is not None
    assert sorted(sunburst["values"]) == sorted([p["size"] for p in run.parents] + [p["size"] for p in run.profiles])
    tree = next(m.value for m in at.markdown if m.value.startswith("- **"))
    for parent in run.parents:
        assert f"- **{parent['name']}** · {parent['size']:,}" in tree.replace("\\", "")
    assert tree.count("\n    - ") == 6  # six children under three parents


@pytest.mark.slow
def test_drilling_into_a_parent_colours_only_its_segments(ws2):
    workspace, run_id = ws2
    run = load_run(workspace, run_id)
    at = open_run_page(run_id, "map")
    assert run.parents is not None
    parent = run.parents[1]
    at.selectbox(key="map-drill").set_value(f"1: {parent['name']} ({parent['size']:,})").run()
    assert not at.exception, at.exception
    traces = _charts(at)[0]["data"]
    children = [p for p in run.profiles if p["parent"] == 1]
    assert [t["name"] for t in traces] == [f"{c['name']} ({c['size']:,})" for c in children] + [
        f"Outside {parent['name']} ({len(run.segments) - parent['size']:,})"]
    assert traces[-1]["marker"]["color"] != traces[0]["marker"]["color"]
    at.selectbox(key="map-drill").set_value("Every segment").run()
    assert len(_charts(at)[0]["data"]) == 6


@pytest.mark.slow
def test_the_export_page_exports_either_level(ws2):
    workspace, run_id = ws2
    run = load_run(workspace, run_id)
    at = open_run_page(run_id, "export")
    fine = at.dataframe[0].value
    assert {"segment_id", "parent_id", "parent_name"} <= set(fine.columns)
    at.radio(key="export-level").set_value("Parents").run()
    parents = at.dataframe[0].value
    assert "parent_id" not in parents and "membership" not in parents
    expected = run.segments.set_index("id")["parent_id"]
    assert (parents.set_index("id")["segment_id"] == expected.loc[parents["id"]]).all()
    assert at.metric[0].value == f"{len(run.segments):,}"


def test_the_form_runs_two_levels(ws):
    at = _upload(_app(), "small.csv", SMALL)
    at = _page(at, "map")
    assert at.radio(key="p-levels").options == ["1", "2"] and at.radio(key="p-levels").value == 1
    at.radio(key="p-algo").set_value("kmeans").run()
    at.number_input(key="p-k").set_value(2)
    at.radio(key="p-levels").set_value(2)
    at.button(key="run").click().run(timeout=300)
    assert not at.exception, at.exception
    run = load_run(ws, at.session_state["run_id"])
    assert run.run_info["parameters"]["levels"]["levels"] == 2 and run.parents is not None
    assert at.selectbox(key="map-drill").options[0] == "Every segment"
