"""Hold-out split, ranking metrics, and the blend against the popularity baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from core.ingest.io import load_table
from core.recommend.evaluate import evaluate, holdout_mask, ranking_metrics
from core.recommend.lists import RecommendParams
from core.represent.behaviour import InteractionInputs, match, prepare_interactions
from core.testing.synthetic import generate


def interactions(frame: pd.DataFrame, time_col: str | None = "time"):
    inputs = InteractionInputs(load_table(frame.to_csv(index=False).encode(), name="e.csv"), "item",
                               time_col=time_col)
    return prepare_interactions(inputs, "user")


EVENTS = pd.DataFrame({
    "user": ["a"] * 5 + ["b"] * 2 + ["c"],
    "item": ["p", "q", "r", "s", "p", "q", "r", "p"],
    "time": ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-09", "2025-01-10", "2025-02-01", "2025-01-01",
             "2025-01-01"],
})


def test_time_holdout_keeps_the_latest_first_choices_back():
    inter = interactions(EVENTS)
    train = holdout_mask(inter, match(inter, pd.Series(["a", "b", "c"])), 0.2, 0)
    # a has 4 items: 1 held out, the one first chosen latest (s; p was first chosen on day 1)
    # b has 2 items: 1 held out (q, the later); c has one item and keeps it
    held = set(zip(inter.events["user"][~train], inter.events["item"][~train], strict=False))
    assert held == {("a", "s"), ("b", "q")}


def test_random_holdout_is_seeded_and_never_splits_a_pair():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"user": rng.integers(0, 50, 2000).astype(str), "item": rng.integers(0, 80, 2000).astype(str)})
    inter = interactions(frame, time_col=None)
    matched = match(inter, pd.Series(sorted(frame["user"].unique())))
    one, same, other = (holdout_mask(inter, matched, 0.2, s) for s in (1, 1, 2))
    assert (one == same).all() and not (one == other).all()
    pairs = inter.events.assign(train=one).groupby(["user", "item"])["train"].nunique()
    assert (pairs == 1).all()
    assert 0.15 < (~one).mean() < 0.3


def test_ranking_metrics_by_hand():
    truth = sp.csr_matrix(np.array([[1, 0, 1, 0, 0], [0, 0, 0, 1, 0]]))
    recommended = np.array([[2, 1, -1], [0, 1, 3]])
    m = ranking_metrics(recommended, truth, 3)
    assert m["precision"] == pytest.approx((1 / 3 + 1 / 3) / 2)
    assert m["recall"] == pytest.approx((1 / 2 + 1) / 2)
    ndcg_a = 1 / (1 + 1 / np.log2(3))  # hit at rank 1 of 2 relevant
    ndcg_b = (1 / np.log2(4)) / 1.0  # hit at rank 3 of 1 relevant
    assert m["ndcg"] == pytest.approx((ndcg_a + ndcg_b) / 2)


def test_every_method_beats_popularity_on_planted_data():
    data = generate(n_users=1200, n_items=800, n_segments=4, n_categories=16, mean_interactions=15, seed=5)
    frame = data.interactions.rename(columns={"customer_id": "user", "item_id": "item"})
    inter = interactions(frame)
    ids = data.users["customer_id"]
    train = holdout_mask(inter, match(inter, ids), 0.2, 0)
    result = evaluate(match(inter.subset(train), ids).matrix(),
                      match(inter.subset(~train), ids).matrix(), data.truth, RecommendParams())
    m = result["methods"]
    assert result["customers_evaluated"] == 1200 and result["default"] == "ease"
    assert set(m) == {"popularity", "item_knn", "segment_lift", "segment_popular", "blend", "ease"}
    for strong in ("ease", "item_knn"):
        assert m[strong]["precision"] > 1.3 * m["popularity"]["precision"]
        assert m[strong]["coverage"] > 3 * m["popularity"]["coverage"]
    assert m["blend"]["precision"] > 1.3 * m["popularity"]["precision"]
    assert m["blend"]["recall"] > 1.3 * m["popularity"]["recall"]
    assert m["blend"]["coverage"] > 3 * m["popularity"]["coverage"]
    assert m["segment_popular"]["precision"] > m["popularity"]["precision"]


def test_one_item_per_customer_gives_no_evaluation_rather_than_zeros():
    frame = pd.DataFrame({"user": ["a", "b", "c"], "item": ["p", "q", "p"]})
    inter = interactions(frame, time_col=None)
    ids = pd.Series(["a", "b", "c"])
    train = holdout_mask(inter, match(inter, ids), 0.2, 0)
    assert train.all()
    result = evaluate(match(inter, ids).matrix(), match(inter.subset(~train), ids).matrix(),
                      np.array([0, 0, 1]), RecommendParams())
    assert result["methods"] == {} and "no evaluation" in result["note"] and result["customers_evaluated"] == 0
