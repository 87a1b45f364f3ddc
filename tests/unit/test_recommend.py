"""Per-segment lists recover planted preferences; customers never get what they have; cold start."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError, ParameterError
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.recommend.lists import (
    RecommendParams,
    item_similarity,
    rank_for_customers,
    segment_stats,
    top_k,
)
from core.recommend.personal import recommend_customers
from core.represent.behaviour import InteractionInputs, match, prepare_interactions
from core.runs.curate import merge_segments
from core.runs.store import load_run, save_run
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams
from core.testing.synthetic import generate


def as_table(frame: pd.DataFrame, name: str):
    return load_table(frame.to_csv(index=False).encode(), name=name)


@pytest.fixture(scope="module")
def synthetic():
    data = generate(n_users=900, n_items=600, n_segments=3, n_categories=12, mean_interactions=15, seed=2)
    inter = prepare_interactions(InteractionInputs(as_table(data.interactions, "events.csv"), "item_id",
                                                   value_col="amount", time_col="time",
                                                   items=as_table(data.items, "items.csv")), "customer_id")
    # 30 extra customers without any interaction (cold start), in the planted segments
    cold = pd.Series([f"new{i}" for i in range(30)])
    ids = pd.concat([data.users["customer_id"], cold], ignore_index=True)
    labels = np.concatenate([data.truth, np.arange(30) % 3])
    return data, inter, ids, labels


def test_lift_lists_recover_the_planted_categories(synthetic):
    data, inter, ids, labels = synthetic
    lists, _, _ = recommend_customers(match(inter, ids).matrix(), labels, ids, inter.item_ids, RecommendParams(),
                                   inter.item_names)
    category = dict(zip(data.items["item_id"], data.items["category"], strict=False))
    for segment, planted in data.segment_categories.items():
        top = lists[(lists["segment_id"] == segment) & (lists["list"] == "lift")]
        assert len(top) == 10
        inside = [any(c in planted for c in category[i].split("|")) for i in top["item_id"]]
        assert np.mean(inside) >= 0.9, (segment, planted, top)
    assert lists["reason"].str.contains(r"of this segment.*of everyone else").all()
    assert set(lists.columns) == {"segment_id", "rank", "item_id", "score", "reason", "item_name", "list"}


def test_lift_needs_the_minimum_support(synthetic):
    _, inter, ids, labels = synthetic
    matrix = match(inter, ids).matrix()
    params = RecommendParams(min_support=40)
    lists, _, _ = recommend_customers(matrix, labels, ids, inter.item_ids, params)
    stats = segment_stats(matrix, labels)
    position = {item: j for j, item in enumerate(inter.item_ids)}
    lift = lists[lists["list"] == "lift"]
    assert len(lift) and all(stats.chosen[s, position[i]] >= 40
                             for s, i in zip(lift["segment_id"], lift["item_id"], strict=False))


def test_customers_never_get_what_they_have_and_cold_start_gets_the_segment_list(synthetic):
    _, inter, ids, labels = synthetic
    lists, users, _ = recommend_customers(match(inter, ids).matrix(), labels, ids, inter.item_ids, RecommendParams())
    had = set(zip(inter.events["user"], inter.events["item"], strict=False))
    assert not any(pair in had for pair in zip(users["id"], users["item_id"], strict=False))
    assert users.groupby("id").size().max() == 10
    assert list(users.columns) == ["id", "rank", "item_id", "score", "because", "reason"]
    for i in range(30):
        got = users.loc[users["id"] == f"new{i}"]
        popular = lists[(lists["segment_id"] == i % 3) & (lists["list"] == "popular")]["item_id"].tolist()
        assert got["item_id"].tolist() == popular and (got["reason"] == "popular in their segment").all()
    warm = users[~users["id"].str.startswith("new")]
    explained = warm[warm["because"] != ""]
    assert len(explained) > 0.9 * len(warm)  # nearly every item follows from something the customer chose
    assert all(pair in had for pair in zip(explained["id"], explained["because"], strict=False))
    assert (explained["reason"] == "because they chose " + explained["because"]).all()


def test_top_k_leaves_non_positive_places_empty():
    idx, vals = top_k(np.array([[0.2, 0.0, 0.9, -np.inf, 0.2]]), 4)
    assert idx.tolist() == [[2, 0, 4, -1]] and vals[0, :3].tolist() == [0.9, 0.2, 0.2]


@pytest.mark.parametrize("bad,word", [
    ({"top_k": 0}, "top-k"), ({"min_support": 0}, "minimum support"), ({"smoothing": -1}, "smoothing"),
    ({"blend": 1.5}, "blend"), ({"neighbours": 0}, "neighbour"), ({"holdout": 1.0}, "held-out"),
    ({"method": "als"}, "per-customer method"), ({"ease_lambda": 0.0}, "regularisation"),
    ({"recency": -1.0}, "recency"),
    ({"popularity_penalty": 2.0}, "popularity penalty"), ({"max_items": 1}, "largest catalogue"),
])
def test_bad_parameters(bad, word):
    with pytest.raises(ParameterError, match=word):
        RecommendParams(**bad).validate()


@pytest.mark.slow
def test_pipeline_with_behaviour_only_recommends_saves_and_caches(tmp_path):
    data = generate(n_users=240, n_items=150, n_segments=3, n_categories=9, mean_interactions=10, seed=4)
    users = as_table(data.users[["customer_id"]].assign(region=data.users["region"]), "users.csv")
    inputs = InteractionInputs(as_table(data.interactions, "events.csv"), "item_id", time_col="time",
                               items=as_table(data.items, "items.csv"))
    params = SegmentParams(embedder="fake", weights=(("categorical", 0.0), ("behaviour", 1.0)),
                           cluster=ClusterParams(algo="kmeans", k=3),
                           reduce=ReduceParams(n_components=3, n_neighbors=10),
                           map=ReduceParams(n_components=2, n_neighbors=10))
    ws = tmp_path / "ws"
    result = run_segmentation(users, params, ws, interactions=inputs, recommend=RecommendParams(top_k=5))
    recs = result.recommendations
    assert result.run_info["interactions"]["customers_with_history"] == 240
    features = result.run_info["interactions"]["features"]
    assert features[:2] == ["frequency (log events)", "recency (log days since last)"]
    assert recs.user_lists.groupby("id").size().max() == 5 and recs.evaluation["k"] == 5
    assert recs.evaluation["segments"].startswith("re-fitted")
    assert not result.run_info["stages"]["recommend"]["cache_hit"]
    lift = recs.segment_lists[recs.segment_lists["list"] == "lift"]
    for profile in result.profiles:  # each profile names the top of its segment's lift list
        top = lift[lift["segment_id"] == profile["segment_id"]].sort_values("rank")["item_id"].astype(str).head(5)
        assert [i["item_id"] for i in profile["items"]] == top.tolist() and profile["items"]
    run_id = save_run(result, ws)
    saved = load_run(ws, run_id)
    pd.testing.assert_frame_equal(saved.user_recommendations, recs.user_lists)
    merged = merge_segments(ws, run_id, 0, 1)
    merged_lift = merged.recommendations[merged.recommendations["list"] == "lift"]
    top0 = merged_lift[merged_lift["segment_id"] == 0].sort_values("rank")["item_id"].astype(str).head(5).tolist()
    assert [i["item_id"] for i in merged.profiles[0]["items"]] == top0  # items follow curation
    assert saved.evaluation == recs.evaluation and len(saved.recommendations) == len(recs.segment_lists)

    again = run_segmentation(users, params, ws, interactions=inputs, recommend=RecommendParams(top_k=5))
    assert again.run_info["stages"]["recommend"]["cache_hit"]
    pd.testing.assert_frame_equal(again.recommendations.user_lists, recs.user_lists)
    assert again.recommendations.evaluation == recs.evaluation

    no_behaviour = replace(params, weights=(("categorical", 1.0), ("behaviour", 0.0)))
    plain = run_segmentation(users, no_behaviour, ws, interactions=inputs, recommend=RecommendParams(top_k=5))
    assert plain.recommendations.evaluation["segments"].startswith("independent")


def test_interactions_of_nobody_in_the_users_table_are_refused(tmp_path):
    users = as_table(pd.DataFrame({"customer_id": ["a", "b", "c"], "age": [20, 30, 40]}), "users.csv")
    events = as_table(pd.DataFrame({"customer_id": ["x", "y"], "item": ["p", "q"]}), "events.csv")
    with pytest.raises(InputError, match="No user of the interactions"):
        run_segmentation(users, replace(SegmentParams(embedder="fake"), cluster=ClusterParams(algo="kmeans", k=2)),
                         tmp_path, interactions=InteractionInputs(events, "item"))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 30), st.integers(0, 2**31 - 1), st.floats(0, 1))
def test_rankings_skip_seen_items_and_are_ordered(n_users, n_items, seed, blend):
    rng = np.random.default_rng(seed)
    matrix = sp.random(n_users, n_items, density=0.3, random_state=rng, format="csr")
    matrix.data[:] = 1.0
    labels = rng.integers(-1, 3, n_users)
    stats = segment_stats(matrix, labels)
    idx, vals = rank_for_customers(matrix, stats.rates(5.0), stats.row_of, 5, item_similarity(matrix, 3), blend)
    dense = matrix.toarray()
    for row, (items, scores) in enumerate(zip(idx, vals, strict=False)):
        filled = items >= 0
        assert not dense[row, items[filled]].any()
        assert filled.tolist() == sorted(filled.tolist(), reverse=True)  # empty places only at the end
        assert np.all(np.diff(scores[filled]) <= 0) and len(set(items[filled])) == filled.sum()
