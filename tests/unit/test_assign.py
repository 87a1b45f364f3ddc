"""Assigning new customers with a saved segmentation (fake embedder)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from core.errors import ColumnError, ParameterError, RunNotFoundError
from core.ingest.io import load_table
from core.pipeline import run_segmentation
from core.represent.features import (
    build_features,
    prepare_customers,
    transform_features,
)
from core.runs.assign import (
    MODEL_DIR,
    agreement,
    assign_customers,
    assign_file,
    assign_table,
    assignment_model,
    load_model,
    locate_run,
    nearest_vote,
    save_model,
)
from core.runs.neighbours import ReferenceIndex
from core.runs.store import save_run
from tests.conftest import planted_customers
from tests.unit.test_store import PARAMS


@pytest.fixture
def saved(planted_csv, workspace):
    result = run_segmentation(load_table(planted_csv), PARAMS, workspace)
    return result, save_run(result, workspace)


def test_training_customers_get_their_own_segments_back(saved, planted_csv, workspace):
    result, run_id = saved
    assignment = assign_file(run_id, planted_csv, workspace)
    expected = result.segments_frame()
    assert list(assignment.segments.columns) == list(expected.columns)
    assert (assignment.segments["id"] == expected["id"]).all()
    assert agreement(assignment.segments["segment_id"], expected["segment_id"]) == 1.0
    assert np.allclose(assignment.segments[["x", "y"]], expected[["x", "y"]], atol=1e-3)


def test_new_customers_follow_the_planted_groups(saved, tmp_path, workspace):
    result, run_id = saved
    new = planted_customers(n_per_group=20, seed=7)
    path = tmp_path / "new.csv"
    new.to_csv(path, index=False)
    segments = assign_file(run_id, path, workspace).segments
    group = new["customer_id"].str.slice(1, 2).to_numpy()
    train_group = result.customers.frame["id"].str.slice(1, 2).to_numpy()
    for g in "012":  # each planted group lands mostly in the segment its training members are in
        expected = pd.Series(result.clustering.labels[train_group == g]).mode()[0]
        assert (segments["segment_id"].to_numpy()[group == g] == expected).mean() > 0.8


def test_model_round_trips_through_safe_files(saved, workspace):
    result, run_id = saved
    folder = locate_run(run_id, workspace)
    files = sorted(p.name for p in (folder / MODEL_DIR).iterdir())
    assert files == ["coords.npy", "features.npy", "ids.npy", "labels.npy", "spec.json"]
    model = load_model(folder / MODEL_DIR)
    assert np.array_equal(model.features, result.features.matrix)
    assert model.ids is not None and model.ids.tolist() == result.customers.frame["id"].astype(str).tolist()
    json.loads((folder / MODEL_DIR / "spec.json").read_text())


class _CountingIndex(ReferenceIndex):
    queries = 0

    def kneighbors(self, matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        type(self).queries += len(matrix)
        return super().kneighbors(matrix, k)


def test_training_customers_keep_their_fitted_segment_without_a_neighbour_search(saved, planted_frame, workspace):
    result, _ = saved
    model = assignment_model(result)
    # give one training customer a segment its neighbours would not vote for: it keeps it all the same
    model.labels[0] = (model.labels[0] + 1) % (model.labels.max() + 1)
    changed = planted_frame.copy()
    changed.loc[1, "age"] = changed["age"].max() + 40  # a training id described otherwise: voted for again
    changed.loc[2, "customer_id"] = "someone-new"  # a new id: voted for
    index = _CountingIndex(model.features)
    table = load_table(changed.to_csv(index=False).encode(), "changed.csv")
    found = assign_customers(table, model, {}, workspace, index=index).segments
    assert found["segment_id"].iloc[0] == model.labels[0] and found["membership"].iloc[0] == 1.0
    assert _CountingIndex.queries == 2  # only the changed and the new customer were searched for


def test_repeated_training_ids_match_their_first_row(saved):
    model = assignment_model(saved[0])
    model.ids = np.array(["a", "a", *model.ids[2:]])
    assert model.fitted_rows(pd.Series(["a", model.ids[2], "zz"]), model.features[[0, 2, 3]]).tolist() == [0, 2, -1]


def test_a_model_saved_without_ids_still_gives_training_customers_their_segments(saved, planted_csv, workspace):
    result, run_id = saved
    folder = locate_run(run_id, workspace)
    (folder / MODEL_DIR / "ids.npy").unlink()
    assert load_model(folder / MODEL_DIR).ids is None
    assignment = assign_file(run_id, planted_csv, workspace)
    assert agreement(assignment.segments["segment_id"], result.segments_frame()["segment_id"]) == 1.0


def test_transform_reproduces_the_training_matrix(planted_frame):
    from core.ingest.roles import resolve_roles
    from core.testing.fake_embedder import FakeEmbedder

    roles = resolve_roles(planted_frame)
    customers = prepare_customers(planted_frame, roles)
    vectors = FakeEmbedder().encode(customers.texts)
    fitted = build_features(customers, vectors, {"text": 1.0, "numeric": 0.5, "categorical": 0.5})
    assert np.array_equal(transform_features(customers, vectors, fitted.spec), fitted.matrix)


def test_missing_columns_are_named(saved, tmp_path, workspace):
    _, run_id = saved
    path = tmp_path / "fewer.csv"
    planted_customers().drop(columns=["age", "department"]).to_csv(path, index=False)
    with pytest.raises(ColumnError, match="'age', 'department'"):
        assign_file(run_id, path, workspace)


def test_unknown_run_and_damaged_model(saved, planted_csv, workspace, tmp_path):
    _, run_id = saved
    with pytest.raises(RunNotFoundError):
        assign_file("no-such-run", planted_csv, workspace)
    folder = locate_run(run_id, workspace)
    (folder / MODEL_DIR / "features.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(RunNotFoundError, match="damaged"):
        assign_file(run_id, planted_csv, workspace)


def test_pickled_arrays_are_refused(saved, workspace):
    _, run_id = saved
    folder = locate_run(run_id, workspace) / MODEL_DIR
    np.save(folder / "labels.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(RunNotFoundError):
        load_model(folder)


def test_lexical_runs_cannot_assign(saved, workspace, planted_csv, tmp_path):
    result, _ = saved
    model = assignment_model(result)
    folder = tmp_path / "lexical-run"
    save_model(replace(model, embedding_model="lexical:char2-4:svd128:seed0", embedder="lexical", backend="auto"),
               folder / MODEL_DIR)
    (folder / "profiles.json").write_text(json.dumps(result.profiles, default=str))
    with pytest.raises(ParameterError, match="lexical"):
        assign_table(load_table(planted_csv), folder, workspace)


def test_bad_k_is_refused(saved):
    result, _ = saved
    model = assignment_model(result)
    with pytest.raises(ParameterError):
        nearest_vote(model, model.features, k=0)


def test_feature_width_mismatch_is_refused(saved):
    result, _ = saved
    model = assignment_model(result)
    with pytest.raises(ParameterError, match="same columns"):
        nearest_vote(model, model.features[:, :-1])


def test_cli_assign_by_run_id(saved, planted_csv, workspace, tmp_path, capsys):
    from core.cli import main

    result, run_id = saved
    code = main(["assign", run_id, str(planted_csv), "--out", str(tmp_path / "out"), "--workspace", str(workspace),
                 "--quiet"])
    assert code == 0, capsys.readouterr().err
    back = pd.read_csv(tmp_path / "out" / "segments.csv", encoding="utf-8-sig", dtype={"id": str})
    assert list(back.columns) == list(result.segments_frame().columns)
    assert (back["segment_id"].to_numpy() == result.clustering.labels).all()
    code = main(["assign", "nope", str(planted_csv), "--out", str(tmp_path / "o2"), "--workspace", str(workspace)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ")
