"""The per-customer models: EASE (closed form, bounded above max_items), item-kNN, recency weights, reasons."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from core.ingest.io import load_table
from core.recommend.ease import fit_ease
from core.recommend.evaluate import evaluate, holdout_mask
from core.recommend.history import binary, recency_weighted
from core.recommend.itemknn import CAPPED_NEIGHBOURS, fit_item_knn
from core.recommend.lists import RecommendParams
from core.recommend.personal import recommend_customers
from core.represent.behaviour import InteractionInputs, match, prepare_interactions
from core.testing.synthetic import generate


def _random_matrix(n_users: int = 60, n_items: int = 25, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    return sp.csr_matrix((rng.random((n_users, n_items)) < 0.2).astype(np.float32))


def test_ease_matches_its_closed_form():
    x = _random_matrix()
    model = fit_ease(x, 5.0, max_items=100)
    dense = x.toarray().astype(np.float64)
    p = np.linalg.inv(dense.T @ dense + 5.0 * np.eye(dense.shape[1]))
    expected = np.eye(len(p)) - p / np.diag(p)[None, :]
    np.testing.assert_allclose(model.weights, expected, atol=1e-10)
    assert np.all(np.diag(model.weights) == 0) and model.note is None
    np.testing.assert_allclose(model.scores(x), dense @ expected, atol=1e-10)


def test_above_max_items_ease_keeps_the_most_chosen_and_says_so():
    x = _random_matrix(n_items=30)
    counts = np.asarray(x.sum(axis=0)).ravel()
    model = fit_ease(x, 5.0, max_items=10)
    assert sorted(model.items) == sorted(np.argsort(-counts, kind="stable")[:10])
    assert "10 most chosen of the 30 items" in model.note
    scores = model.scores(x)
    off = np.setdiff1d(np.arange(30), model.items)
    assert scores.shape == (60, 30) and np.all(scores[:, off] == 0)
    labels = np.zeros(60, dtype=int)
    params = replace(RecommendParams(top_k=5), max_items=10)
    _, users, notes = recommend_customers(x, labels, pd.Series([f"c{i}" for i in range(60)]),
                                          np.array([f"i{j}" for j in range(30)], dtype=object), params)
    assert notes == [model.note]
    explained = users[users["because"] != ""]  # items from EASE (the rest fill in from the segment list)
    assert len(explained) and not set(explained["item_id"]) & {f"i{j}" for j in off}


def test_item_knn_keeps_every_neighbour_up_to_max_items_and_caps_above():
    x = _random_matrix()
    full = fit_item_knn(x, max_items=100)
    dense = x.toarray()
    norms = np.linalg.norm(dense, axis=0)
    cosine = dense.T @ dense / np.maximum(np.outer(norms, norms), 1e-12)
    np.fill_diagonal(cosine, 0)
    np.testing.assert_allclose(full.similarity.toarray(), cosine, atol=1e-6)
    assert full.note is None
    capped = fit_item_knn(_random_matrix(n_items=250, n_users=400), max_items=100)
    assert capped.note and str(CAPPED_NEIGHBOURS) in capped.note
    assert np.diff(capped.similarity.indptr).max() <= CAPPED_NEIGHBOURS


def test_recent_items_weigh_more_and_binary_drops_the_weights():
    frame = pd.DataFrame({"user": ["a", "a", "a", "b"], "item": ["x", "y", "z", "x"],
                          "t": ["2025-01-01", "2025-03-01", "2025-02-01", "2025-01-05"]})
    inter = prepare_interactions(InteractionInputs(load_table(frame.to_csv(index=False).encode(), name="e.csv"),
                                                   "item", time_col="t"), "user")
    matched = match(inter, pd.Series(["a", "b"]))
    weighted = recency_weighted(inter, matched, 10.0).toarray()
    x, y, z = (list(inter.item_ids).index(i) for i in "xyz")
    assert weighted[0, y] == 1.0 and np.isclose(weighted[0, z], np.exp(-0.1)) and np.isclose(weighted[0, x],
                                                                                              np.exp(-0.2))
    assert weighted[1, x] == 1.0
    assert (recency_weighted(inter, matched, 0.0).toarray() == matched.matrix().toarray()).all()
    assert (binary(sp.csr_matrix(weighted)).toarray() == matched.matrix().toarray()).all()


@pytest.mark.slow
def test_thin_histories_lean_on_the_segment():
    data = generate(n_users=1200, n_items=600, n_segments=4, n_categories=16, mean_interactions=4, seed=7)
    inter = prepare_interactions(InteractionInputs(load_table(data.interactions.to_csv(index=False).encode(),
                                                              name="e.csv"), "item_id", time_col="time"),
                                 "customer_id")
    ids = data.users["customer_id"]
    train = holdout_mask(inter, match(inter, ids), 0.2, 0)
    history = recency_weighted(inter.subset(train), match(inter.subset(train), ids), 10.0)
    test = match(inter.subset(~train), ids).matrix()
    with_prior = evaluate(history, test, data.truth, RecommendParams())["methods"]["ease"]
    without = evaluate(history, test, data.truth, RecommendParams(segment_prior=0.0))["methods"]["ease"]
    assert with_prior["precision"] > 1.1 * without["precision"]
