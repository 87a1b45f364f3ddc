import json
import os

import pytest

from core.errors import ParameterError, RunNotFoundError
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.store import (
    compare_runs,
    delete_run,
    list_runs,
    load_run,
    rename_segment,
    save_run,
)
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams

PARAMS = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=3),
                       reduce=ReduceParams(n_components=3, n_neighbors=10),
                       map=ReduceParams(n_components=2, n_neighbors=10))


@pytest.fixture
def saved(planted_csv, workspace):
    result = run_segmentation(load_table(planted_csv), PARAMS, workspace)
    return result, save_run(result, workspace)


def test_saved_run_reads_back_identically(saved, workspace):
    result, run_id = saved
    run = load_run(workspace, run_id)
    assert run.segments.equals(result.segments_frame())
    assert run.texts == result.customers.texts and run.cluster_space.shape == result.cluster_space.shape
    assert list_runs(workspace)[0]["run_id"] == run_id
    assert not [p for p in (workspace / "runs").iterdir() if p.name.startswith(".")]


def test_rename_is_kept(saved, workspace):
    _, run_id = saved
    rename_segment(workspace, run_id, 1, "  Denim   lovers ")
    run = load_run(workspace, run_id)
    assert run.names[1] == "Denim lovers"
    assert set(run.segments.loc[run.segments["segment_id"] == 1, "segment_name"]) == {"Denim lovers"}
    with pytest.raises(ParameterError):
        rename_segment(workspace, run_id, 1, "   ")


def test_unknown_and_deleted_runs(saved, workspace):
    _, run_id = saved
    with pytest.raises(RunNotFoundError):
        load_run(workspace, "../../etc")
    delete_run(workspace, run_id)
    with pytest.raises(RunNotFoundError):
        load_run(workspace, run_id)
    assert list_runs(workspace) == []


def test_compare_runs_gives_plain_agreement_data(saved, planted_csv, workspace):
    _, run_id = saved
    other = run_segmentation(load_table(planted_csv), PARAMS.with_seed(3), workspace)
    other_id = save_run(other, workspace, "other")
    same = compare_runs(workspace, run_id, run_id)
    assert same["ari"] == pytest.approx(1.0) and same["nmi"] == pytest.approx(1.0) and same["customers"] == 120
    assert sum(map(sum, same["overlap"])) == 120 and len(same["rows"]) == len(same["row_names"])
    diff = compare_runs(workspace, run_id, other_id)
    assert set(diff) == set(same) and -1 <= diff["ari"] <= 1
    json.dumps(diff)  # plain data


def test_a_run_moved_aside_by_a_killed_save_comes_back(saved, workspace):
    _, run_id = saved
    root = workspace / "runs"
    os.replace(root / run_id, root / f".aside.{run_id}")  # as if killed between the two renames of an overwrite
    assert [r["run_id"] for r in list_runs(workspace)] == [run_id]
    assert load_run(workspace, run_id).segments.shape[0] == 120


def test_overwriting_a_run_keeps_one_complete_copy(saved, workspace):
    result, run_id = saved
    rename_segment(workspace, run_id, 0, "Renamed")
    save_run(result, workspace, run_id)
    assert [p.name for p in (workspace / "runs").iterdir()] == [run_id]
    assert load_run(workspace, run_id).names[0] != "Renamed"

