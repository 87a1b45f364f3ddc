"""Each customer's runner-up segment and margin: by hand, in segments.csv, after curation, for assigned customers,
and the customers' values that a ``segment --out`` folder keeps for explanations."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.runs.assign import assign_file
from core.runs.curate import merge_segments, reset_curation
from core.runs.opened import open_folder
from core.runs.store import load_run
from core.segment.geometry import runner_up_margin, segment_centres


def test_runner_up_and_margin_by_hand():
    points = np.array([[0.0], [10.0], [30.0], [2.0], [5.0], [8.0], [18.0]])
    labels = np.array([0, 1, 2, 0, 0, 0, -1])
    ids, centres = segment_centres(points[:3], labels[:3])
    runner_up, margin = runner_up_margin(points, labels, ids, centres)
    assert runner_up.tolist() == [1, 0, 1, 1, 1, 1, 1]
    assert margin[3] == pytest.approx(0.75) and margin[4] == pytest.approx(0.0) and margin[5] == pytest.approx(-0.75)
    assert margin[0] == 1.0 and np.isnan(margin[6])
    alone, none = runner_up_margin(points, np.zeros(7, dtype=int), *segment_centres(points, np.zeros(7, dtype=int)))
    assert (alone == -1).all() and np.isnan(none).all()


@pytest.fixture
def workspace_copy(planted_run, tmp_path):
    shutil.copytree(planted_run.workspace, tmp_path / "ws")
    return tmp_path / "ws"


def _expected(features: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    runner_up, margin = runner_up_margin(features, labels, *segment_centres(features, labels))
    return runner_up, np.round(margin, 4)


def test_curation_recomputes_runner_up_and_margin(planted_run, workspace_copy):
    features = planted_run.result.features.matrix
    before = load_run(workspace_copy, planted_run.run_id).segments
    merged = merge_segments(workspace_copy, planted_run.run_id, 0, 1).segments
    runner_up, margin = _expected(features, merged["segment_id"].to_numpy())
    assert (merged["runner_up"].to_numpy() == runner_up).all() and np.allclose(merged["margin"], margin)
    assert not (merged["runner_up"] == 1).any() and set(merged["runner_up"]) == {0, 2}
    reset = reset_curation(workspace_copy, planted_run.run_id).segments
    assert (reset["runner_up"] == before["runner_up"]).all() and np.allclose(reset["margin"], before["margin"])


def test_assigned_customers_carry_runner_up_and_margin(planted_run):
    assigned = assign_file(planted_run.run_id, planted_run.csv, planted_run.workspace).segments
    trained = planted_run.result.segments_frame()
    assert (assigned["runner_up"] == trained["runner_up"]).all()
    assert np.allclose(assigned["margin"], trained["margin"], atol=1e-3)


@pytest.mark.parametrize("hashed", [False, True])
def test_segment_out_folder_keeps_what_explanations_read(planted_run, tmp_path, hashed):
    out = tmp_path / "out"
    args = ["segment", str(planted_run.csv), "--out", str(out), "--workspace", str(planted_run.workspace),
            "--embedder", "fake", "--algo", "kmeans", "--k", "3", "--dims", "5", "--neighbors", "15", "--quiet"]
    assert main(args + (["--hash-ids"] if hashed else [])) == 0
    segments = pd.read_csv(out / "segments.csv", encoding="utf-8-sig", dtype={"id": str})
    people = open_folder(out)
    assert list(people.ids) == segments["id"].tolist()
    assert (people.labels == segments["segment_id"].to_numpy()).all()
    assert {"runner_up", "margin"} <= set(segments.columns)
    raw = set(planted_run.data.frame["customer_id"])
    assert (set(people.ids) & raw == set()) if hashed else (set(people.ids) == raw)
    assert people.values["age"].tolist() == planted_run.result.customers.frame["age"].tolist()
