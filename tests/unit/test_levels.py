"""Segments within segments: re-segmenting inside each parent, profiles against siblings, two-level outputs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from core.errors import ParameterError
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import SegmentationResult, run_segmentation
from core.runs.curate import merge_segments
from core.runs.store import load_run, save_run
from core.segment.cluster import ClusterParams
from core.segment.levels import LevelParams, nest
from core.testing.nested import PlantedLevels, planted_levels

TWO = SegmentParams(cluster=ClusterParams(algo="kmeans", k=3, seed=0), levels=LevelParams(levels=2),
                    stability_runs=0)


def nested_blobs(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three far groups of two near sub-groups in 5-D, and each point's sub-group."""
    rng = np.random.default_rng(seed)
    sub = np.repeat(np.arange(6), n)
    centres = np.zeros((6, 5))
    centres[:, 0] = (sub[::n] // 2) * 30.0
    centres[:, 1] = (sub[::n] % 2) * 6.0
    return centres[sub] + rng.normal(0, 0.5, (6 * n, 5)), sub


def test_nest_finds_the_sub_groups_inside_each_parent():
    points, sub = nested_blobs()
    nested = nest(points, sub // 2, ClusterParams(algo="kmeans", k=3), LevelParams(levels=2))
    assert adjusted_rand_score(sub, nested.labels) == 1.0
    assert all(len(set((sub[nested.labels == f] // 2).tolist())) == 1 for f in nested.parent_of)
    assert sorted(nested.parent_of.items()) == [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2), (5, 2)]
    assert not nested.unsplit and set(nested.k_scores) == {0, 1, 2}  # k chosen by silhouette in each parent


def test_a_fixed_k_per_parent_and_unassigned_customers_stay_out():
    points, sub = nested_blobs()
    parents = sub // 2
    parents[:5] = -1
    nested = nest(points, parents, ClusterParams(algo="gmm", k=3), LevelParams(levels=2, sub_k=3))
    assert (nested.labels[:5] == -1).all() and (nested.membership[:5] == 0).all()
    assert len(nested.parent_of) == 9 and (nested.labels[5:] >= 0).all()


def test_a_parent_too_small_to_split_stays_one_child_with_a_notice():
    points, sub = nested_blobs()
    parents = sub // 2
    small = np.flatnonzero(parents == 2)[:50]
    keep = np.concatenate([np.flatnonzero(parents < 2), small])
    nested = nest(points[keep], parents[keep], ClusterParams(algo="hdbscan", min_cluster_size=30),
                  LevelParams(levels=2))
    assert nested.unsplit == [2] and list(nested.parent_of.values()).count(2) == 1
    assert "Segment 2 stays one segment" in nested.notices[0] and "50 members" in nested.notices[0]


@pytest.mark.parametrize("levels, message", [
    (LevelParams(levels=3), "The number of levels must be a whole number from 1 to 2, not 3."),
    (LevelParams(levels=0), "The number of levels must be a whole number from 1 to 2, not 0."),
    (LevelParams(levels=2, sub_k=1), "The number of segments inside each parent must be"),
])
def test_bad_level_settings_are_one_sentence(levels, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(")):
        replace(TWO, levels=levels).validate()


def test_a_number_per_parent_needs_a_clusterer_that_takes_k():
    with pytest.raises(ParameterError, match="HDBSCAN does not take a number of segments per parent"):
        SegmentParams(levels=LevelParams(levels=2, sub_k=3)).validate()


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[PlantedLevels, SegmentationResult, Path]:
    folder = tmp_path_factory.mktemp("levels")
    data = planted_levels()
    data.frame.to_csv(folder / "planted.csv", index=False)
    return data, run_segmentation(load_table(folder / "planted.csv"), TWO, folder / "ws"), folder


@pytest.mark.slow
def test_two_levels_recover_the_planted_groups_and_sub_groups(planted):
    data, result, _ = planted
    frame = result.segments_frame()
    order = data.frame["customer_id"].astype(str).tolist()
    assert frame["id"].tolist() == order
    assert adjusted_rand_score(data.group, frame["parent_id"]) >= 0.9
    assert adjusted_rand_score(data.subgroup, frame["segment_id"]) >= 0.9
    assert frame.groupby("segment_id")["parent_id"].nunique().max() == 1  # each segment inside one parent
    assert list(frame.columns[:5]) == ["id", "segment_id", "segment_name", "parent_id", "parent_name"]
    assert result.run_info["levels"] == {**result.run_info["levels"], "levels": 2, "parents": 3, "segments": 6,
                                         "unsplit": []}


@pytest.mark.slow
def test_a_child_is_profiled_against_its_siblings_and_a_parent_against_everyone(planted):
    data, result, folder = planted
    assert result.parents is not None
    one_level = run_segmentation(load_table(folder / "planted.csv"), replace(TWO, levels=LevelParams()),
                                 folder / "ws")
    assert one_level.parents is None and "parent_id" not in one_level.segments_frame()
    assert [{k: v for k, v in p.items() if k != "children"} for p in result.parents] == one_level.profiles
    frame = result.segments_frame()
    ages = result.customers.frame["age"].to_numpy()
    for child in result.profiles:
        parent = next(p for p in result.parents if p["segment_id"] == child["parent"])
        assert child["segment_id"] in parent["children"] and child["parent_name"] == parent["name"]
        siblings = (frame["parent_id"] == child["parent"]) & (frame["segment_id"] != child["segment_id"])
        age = next(t for t in child["numeric"] if t["column"] == "age")
        assert age["mean_rest"] == pytest.approx(ages[siblings.to_numpy()].mean(), abs=0.01)
        assert child["share_of_parent"] == pytest.approx(child["size"] / parent["size"])
    assert len({p["name"] for p in result.profiles}) == len(result.profiles)


@pytest.mark.slow
def test_saved_runs_keep_the_parents_and_old_runs_still_load(planted, tmp_path):
    _, result, _ = planted
    run_id = save_run(result, tmp_path)
    saved = load_run(tmp_path, run_id)
    assert saved.parents == json.loads(json.dumps(result.parents))
    assert saved.segments["parent_id"].tolist() == result.segments_frame()["parent_id"].tolist()
    with pytest.raises(ParameterError, match="not available on a run with two levels"):
        merge_segments(tmp_path, run_id, 0, 1)
    (saved.folder / "parents.json").unlink()
    assert load_run(tmp_path, run_id).parents is None


def test_the_tree_the_drill_down_and_the_parent_level_table():
    import pandas as pd

    from core.explain.levels import drill_labels, parent_level, tree_rows

    parents = [{"segment_id": 0, "name": "A", "size": 3, "share": 0.6}, {"segment_id": 1, "name": "B", "size": 2,
               "share": 0.4}]
    children = [{"segment_id": 0, "name": "a1", "size": 2, "share": 0.4, "parent": 0},
                {"segment_id": 1, "name": "a2", "size": 1, "share": 0.2, "parent": 0},
                {"segment_id": 2, "name": "B", "size": 2, "share": 0.4, "parent": 1}]
    rows = tree_rows(parents, children)  # type: ignore[arg-type]
    assert [(r["id"], r["parent"], r["size"]) for r in rows] == [("p0", "", 3), ("s0", "p0", 2), ("s1", "p0", 1),
                                                                ("p1", "", 2), ("s2", "p1", 2)]
    segment_ids, parent_ids = np.array([0, 1, 0, 2, 2, -1]), np.array([0, 0, 0, 1, 1, -1])
    assert drill_labels(segment_ids, parent_ids, 1).tolist() == [-1, -1, -1, 2, 2, -1]
    table = pd.DataFrame({"id": list("abcdef"), "segment_id": segment_ids, "segment_name": list("xyxzzu"),
                          "parent_id": parent_ids, "parent_name": list("AAABBu"), "membership": 1.0, "outlier": False})
    flat = parent_level(table)
    assert list(flat.columns) == ["id", "segment_id", "segment_name", "outlier"]
    assert flat["segment_id"].tolist() == parent_ids.tolist() and flat["segment_name"].tolist() == list("AAABBu")
