"""Curation of a saved run: merge, split, reassign outliers, rename, reset; profiles and files follow."""

import copy
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core.errors import ParameterError
from core.explain.profile import profile_segments
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.assign import assign_file
from core.runs.curate import (
    merge_segments,
    reassign_outliers,
    rename,
    reset_curation,
    split_segment,
)
from core.runs.store import load_run, save_run
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams
from tests.conftest import planted_customers

PARAMS = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=3),
                       reduce=ReduceParams(n_components=3, n_neighbors=10),
                       map=ReduceParams(n_components=2, n_neighbors=10))


@pytest.fixture(scope="module")
def segmented(tmp_path_factory):
    folder = tmp_path_factory.mktemp("curate")
    planted_customers().to_csv(folder / "planted.csv", index=False)
    return run_segmentation(load_table(folder / "planted.csv"), PARAMS, folder / "workspace")


@pytest.fixture
def run_id(segmented, workspace):
    return save_run(segmented, workspace)


def _truth(run):
    return run.segments["id"].str.slice(1, 2).astype(int).to_numpy()


def _segment_of(run, group: int) -> int:
    return int(pd.Series(run.segments["segment_id"][_truth(run) == group]).mode()[0])


def test_merge_recomputes_profiles_and_keeps_other_segments(run_id, workspace):
    before = load_run(workspace, run_id)
    dresses, denim, petite = (_segment_of(before, g) for g in (1, 2, 0))
    keep, absorb = min(dresses, denim), max(dresses, denim)
    run = merge_segments(workspace, run_id, keep, absorb, name="Dresses and denim")
    profiles = {p["segment_id"]: p for p in run.profiles}
    assert set(profiles) == {keep, petite} and profiles[keep]["size"] == 80
    assert profiles[keep]["name"] == "Dresses and denim" and profiles[keep]["renamed"]
    assert {c["value"] for c in profiles[keep]["categories"][:2]} == {"Dresses", "Jeans"}
    assert profiles[petite]["name"] == {p["segment_id"]: p for p in before.profiles}[petite]["name"]
    assert set(run.segments.loc[run.segments["segment_id"] == keep, "segment_name"]) == {"Dresses and denim"}
    info = json.loads((run.folder / "run.json").read_text())
    assert info["quality"]["n_segments"] == 2 and info["quality"]["curated"]
    assert set(info["quality"]["stability"]["segments"]) == {str(petite)}
    assert info["curation"][0]["action"] == "merge" and info["quality_before_curation"]["n_segments"] == 3
    assert not [p.name for p in run.folder.iterdir() if p.name.startswith(".")]


def test_assign_votes_with_the_curated_segments(run_id, workspace, tmp_path):
    before = load_run(workspace, run_id)
    dresses, denim = _segment_of(before, 1), _segment_of(before, 2)
    keep, absorb = min(dresses, denim), max(dresses, denim)
    merge_segments(workspace, run_id, keep, absorb, name="Dresses and denim")
    planted_customers().to_csv(tmp_path / "again.csv", index=False)
    assigned = assign_file(run_id, tmp_path / "again.csv", workspace).segments
    assert absorb not in set(assigned["segment_id"])
    assert set(assigned.loc[assigned["segment_id"] == keep, "segment_name"]) == {"Dresses and denim"}
    reset_curation(workspace, run_id)
    assert absorb in set(assign_file(run_id, tmp_path / "again.csv", workspace).segments["segment_id"])


def test_split_recovers_the_merged_groups_with_new_ids(run_id, workspace):
    before = load_run(workspace, run_id)
    dresses, denim = _segment_of(before, 1), _segment_of(before, 2)
    keep = min(dresses, denim)
    merged = merge_segments(workspace, run_id, keep, max(dresses, denim))
    new_id = int(merged.segments["segment_id"].max()) + 1  # a split numbers its new part after the largest id
    run = split_segment(workspace, run_id, keep)
    labels = run.segments["segment_id"].to_numpy()
    assert set(labels.tolist()) == set(merged.segments["segment_id"]) | {new_id}
    assert adjusted_rand_score(_truth(run), labels) == 1.0
    inside = run.segments["segment_id"].isin([keep, new_id])
    assert run.segments.loc[inside, "membership"].between(0, 1).all()
    assert [e["action"] for e in run.run_info["curation"]] == ["merge", "split"]


def test_rename_survives_later_edits(run_id, workspace):
    before = load_run(workspace, run_id)
    petite, dresses, denim = (_segment_of(before, g) for g in (0, 1, 2))
    rename(workspace, run_id, petite, "  Petite   seniors ")
    run = merge_segments(workspace, run_id, min(dresses, denim), max(dresses, denim))
    assert run.names[petite] == "Petite seniors"
    assert set(run.segments.loc[run.segments["segment_id"] == petite, "segment_name"]) == {"Petite seniors"}
    assert run.run_info["curation"][0] == {**run.run_info["curation"][0], "action": "rename", "name": "Petite seniors"}


def test_reassigned_outliers_keep_a_visible_membership(segmented, workspace):
    result = copy.deepcopy(segmented)
    far = np.argsort(-np.linalg.norm(result.cluster_space - result.cluster_space.mean(axis=0), axis=1))[:3]
    centre = result.cluster_space[result.clustering.labels == 0].mean(axis=0)
    near = np.argsort(np.linalg.norm(result.cluster_space - centre, axis=1))[:1]
    result.clustering.labels[np.concatenate([far, near])] = -1  # as if HDBSCAN had left them out
    result.profiles = profile_segments(result.customers, result.clustering.labels, result.cluster_space)
    run_id = save_run(result, workspace)
    assert load_run(workspace, run_id).profiles[-1]["segment_id"] == -1
    run = reassign_outliers(workspace, run_id)
    seg = run.segments
    moved = seg.index.isin(np.concatenate([far, near]))
    assert (seg["segment_id"] >= 0).all() and not seg["outlier"].any()
    assert seg["reassigned"].tolist() == moved.tolist()
    assert seg.loc[near, "membership"].iloc[0] > 0.9 and seg.loc[moved, "membership"].between(0, 1).all()
    assert seg.loc[near, "segment_id"].iloc[0] == 0
    assert [p["segment_id"] for p in run.profiles] == [0, 1, 2] and sum(p["size"] for p in run.profiles) == 120
    with pytest.raises(ParameterError, match="no unassigned"):
        reassign_outliers(workspace, run_id)


def test_reset_restores_the_saved_segmentation(run_id, workspace):
    before = load_run(workspace, run_id)
    split_segment(workspace, run_id, 0, k=3)
    run = reset_curation(workspace, run_id)
    assert run.segments["segment_id"].tolist() == before.segments["segment_id"].tolist()
    assert run.run_info["quality"] == before.run_info["quality"]
    assert [p["name"] for p in run.profiles] == [p["name"] for p in before.profiles]


def test_unknown_segment_is_refused(run_id, workspace):
    with pytest.raises(ParameterError, match="no segment 9"):
        merge_segments(workspace, run_id, 0, 9)


def test_merging_a_segment_with_itself_is_refused(run_id, workspace):
    with pytest.raises(ParameterError, match="two different"):
        merge_segments(workspace, run_id, 1, 1)


def test_split_into_one_part_is_refused(run_id, workspace):
    with pytest.raises(ParameterError, match="at least 2"):
        split_segment(workspace, run_id, 0, k=1)


def test_split_into_too_many_parts_is_refused(run_id, workspace):
    with pytest.raises(ParameterError, match="too few"):
        split_segment(workspace, run_id, 0, k=30)


def test_empty_name_is_refused(run_id, workspace):
    with pytest.raises(ParameterError, match="cannot be empty"):
        rename(workspace, run_id, 0, "   ")


def test_reset_without_curation_is_refused(run_id, workspace):
    with pytest.raises(ParameterError, match="not been curated"):
        reset_curation(workspace, run_id)


@pytest.mark.slow
def test_curate_command_edits_a_saved_run_and_exports_it(planted_csv, tmp_path, capsys):
    from core.cli import main

    ws = tmp_path / "ws"
    common = ["--workspace", str(ws)]
    assert main(["segment", str(planted_csv), "--out", str(tmp_path / "o"), *common, "--embedder", "lexical",
                 "--algo", "kmeans", "--k", "3", "--neighbors", "10", "--stability-runs", "0", "--save-run",
                 "--quiet"]) == 0
    run_id = capsys.readouterr().out.strip().splitlines()[-1].removeprefix("saved run ")
    assert main(["curate", run_id, *common, "--merge", "0", "1", "--name", "Both"]) == 0
    assert main(["curate", run_id, *common, "--rename", "2", "Third", "--out", str(tmp_path / "c")]) == 0
    segments = pd.read_csv(tmp_path / "c" / "segments.csv", encoding="utf-8-sig")
    assert set(segments["segment_name"]) == {"Both", "Third"} and set(segments["segment_id"]) == {0, 2}
    profiles = json.loads((tmp_path / "c" / "profiles.json").read_text())
    assert [p["name"] for p in profiles] == ["Both", "Third"]
    capsys.readouterr()
    assert main(["curate", run_id, *common, "--split", "7"]) == 2
    assert capsys.readouterr().err.startswith("error: There is no segment 7")
