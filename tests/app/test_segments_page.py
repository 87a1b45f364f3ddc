"""AppTest of the Segments page's quality figures, curation controls and parameter sweep.

One run is segmented once per module (fake embedder, the 150 reviews) and copied into each test's
own workspace, so every test starts from the same uncurated run.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.export import csv_bytes
from core.runs.store import list_runs, load_run, save_run
from core.segment.cluster import ClusterParams
from core.segment.quality import sweep
from core.segment.reduce import ReduceParams
from ui.export import membership

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SMALL = ROOT / "tests" / "data" / "reviews_150.csv"
PARAMS = SegmentParams(embedder="fake", reduce=ReduceParams(n_components=5, n_neighbors=15),
                       map=ReduceParams(n_components=2, n_neighbors=15, min_dist=0.1),
                       cluster=ClusterParams(algo="hdbscan", min_cluster_size=10))


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, str]:
    workspace = tmp_path_factory.mktemp("segments-page") / "ws"
    run_id = save_run(run_segmentation(load_table(SMALL), PARAMS, workspace), workspace)
    return workspace, run_id


@pytest.fixture
def ws(saved, ws) -> tuple[Path, str]:
    """Conftest's ``ws`` (the test's own workspace) holding a copy of the module's saved run."""
    shutil.copytree(saved[0], ws)
    return ws, saved[1]


def _segments_page(run_id: str, dataset: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["run"] = run_id
    if dataset:
        at.session_state["dataset"] = {"path": str(SMALL), "name": "reviews_150.csv"}
    at.run()
    at.switch_page("pages/segments.py").run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_quality_stability_and_significance_are_shown(ws):
    workspace, run_id = ws
    run = load_run(workspace, run_id)
    at = _segments_page(run_id)
    metrics = _metrics(at)
    q = run.run_info["quality"]
    assert metrics["Segments"] == str(q["n_segments"]) and metrics["Unassigned"] == f"{q['outlier_share']:.1%}"
    assert {"Silhouette", "Davies–Bouldin", "Calinski–Harabasz", "DBCV", "Stability ARI"} <= set(metrics)
    assert metrics["Stability ARI"] == f"{q['stability']['ari_mean']:.2f}"
    verdicts = {p["segment_id"]: p["quality"]["verdict"] for p in run.profiles if p["segment_id"] >= 0}
    labels = [e.label for e in at.expander]
    assert all(any(label.startswith(f"{s}: ") and label.endswith(f" · {v}") for label in labels)
               for s, v in verdicts.items() if v)
    cats = next(df.value for df in at.dataframe if "q_value" in df.value.columns)
    assert {"share", "share_all", "lift", "q_value"} <= set(cats.columns)
    assert any("Benjamini–Hochberg" in c.value for c in at.caption)


@pytest.mark.slow
def test_merge_changes_the_number_of_segments_and_the_export_carries_it(ws):
    workspace, run_id = ws
    before = load_run(workspace, run_id)
    n = before.run_info["quality"]["n_segments"]
    at = _segments_page(run_id)
    at.selectbox(key="merge-keep").set_value(0)
    at.selectbox(key="merge-absorb").set_value(1)
    at.text_input(key="merge-name").input("Zero and one")
    at.button(key="merge-btn").click().run()
    assert not at.exception and not at.error
    after = load_run(workspace, run_id)
    assert after.run_info["quality"]["n_segments"] == n - 1 and _metrics(at)["Segments"] == str(n - 1)
    assert 1 not in set(after.segments["segment_id"]) and after.names[0] == "Zero and one"
    exported = pd.read_csv(io.BytesIO(csv_bytes(membership(after, tuple(after.names)))), encoding="utf-8-sig")
    merged = (before.segments["segment_id"].isin([0, 1])).sum()
    assert (exported["segment_id"] == 0).sum() == merged
    assert set(exported.loc[exported["segment_id"] == 0, "segment_name"]) == {"Zero and one"}
    # reset goes back to the segmentation as it was run
    at.button(key="reset-btn").click().run()
    assert not at.exception and load_run(workspace, run_id).run_info["quality"]["n_segments"] == n


@pytest.mark.slow
def test_split_adds_segments(ws):
    workspace, run_id = ws
    n = load_run(workspace, run_id).run_info["quality"]["n_segments"]
    at = _segments_page(run_id)
    at.selectbox(key="split-segment").set_value(0)
    at.number_input(key="split-parts").set_value(3)
    at.button(key="split-btn").click().run()
    assert not at.exception and not at.error
    after = load_run(workspace, run_id)
    assert after.run_info["quality"]["n_segments"] == n + 2
    assert after.run_info["curation"][-1]["action"] == "split"
    assert _metrics(at)["Segments"] == str(n + 2)


@pytest.mark.slow
def test_reassigning_outliers_keeps_their_membership_visible(ws):
    workspace, run_id = ws
    outliers = int((load_run(workspace, run_id).segments["segment_id"] < 0).sum())
    assert outliers > 0  # the fixture's run has Unassigned customers
    at = _segments_page(run_id)
    assert any(e.label.startswith("Unassigned") for e in at.expander)
    at.button(key="reassign-btn").click().run()
    assert not at.exception and not at.error
    after = load_run(workspace, run_id)
    assert (after.segments["segment_id"] >= 0).all() and after.segments["reassigned"].sum() == outliers
    assert not any(e.label.startswith("Unassigned") for e in at.expander)
    assert any("came from Unassigned" in c.value for c in at.caption)
    assert _metrics(at)["Unassigned"] == "0.0%"


@pytest.mark.slow
def test_sweep_recommends_a_setting_and_apply_makes_a_new_current_run(ws):
    workspace, first_id = ws
    # a run whose setting is deliberately not the one the sweep recommends, so "apply" has work to do
    first = sweep(load_run(workspace, first_id).cluster_space, PARAMS.cluster)
    other = next(r["value"] for r in first["rows"] if r["value"] != first["recommended"] and r["n_segments"] >= 2)
    params = replace(PARAMS, cluster=replace(PARAMS.cluster, min_cluster_size=other))
    run_id = save_run(run_segmentation(load_table(SMALL), params, workspace), workspace)
    at = _segments_page(run_id, dataset=True)
    assert not [c for c in at.get("plotly_chart") if c.proto.id and "sweep" in c.proto.id]
    at.button(key="sweep-btn").click().run()
    assert not at.exception and not at.error
    found = at.session_state["segments-sweep"]["found"]
    assert found["parameter"] == "min_cluster_size" and found["recommended"] == first["recommended"] != other
    assert any(f"Recommended minimum segment size: {found['recommended']}" in s.value for s in at.success)
    at.button(key="sweep-apply").click().run(timeout=300)
    assert not at.exception and not at.error
    assert len(list_runs(workspace)) == 3
    new_id = at.session_state["run_id"]
    assert new_id != run_id and at.query_params["run"] == new_id
    new = load_run(workspace, new_id)
    assert new.run_info["parameters"]["cluster"]["min_cluster_size"] == found["recommended"]
    assert new.run_info["parameters"]["reduce"] == load_run(workspace, run_id).run_info["parameters"]["reduce"]


@pytest.mark.slow
def test_kmeans_auto_shows_its_silhouette_curve(tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    params = SegmentParams(embedder="fake", reduce=ReduceParams(n_components=3, n_neighbors=10),
                           map=ReduceParams(n_components=2, n_neighbors=10), stability_runs=0,
                           cluster=ClusterParams(algo="kmeans", k="auto"))
    run_id = save_run(run_segmentation(load_table(SMALL), params, workspace), workspace)
    monkeypatch.setenv("SEGMENT_STUDIO_WORKSPACE", str(workspace))
    monkeypatch.setenv("SEGMENT_STUDIO_EMBEDDER", "fake")
    at = _segments_page(run_id)
    assert "DBCV" not in _metrics(at) and _metrics(at)["Stability ARI"] == "—"
    assert len(load_run(workspace, run_id).run_info["quality"]["k_silhouette"]) > 2
    assert any(e.label.startswith("0: ") for e in at.expander)
