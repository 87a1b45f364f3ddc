"""Offline evaluation: hold out part of each customer's items, recommend from the rest, score the guesses.

Each customer with at least two distinct items keeps at least one for training and has about
``holdout`` of them held out: the ones first chosen latest when the interactions have times, else
a seeded random choice. Every method ranks only items the customer has not got in training,
and is scored on the held-out items with precision@k, recall@k, NDCG@k (binary relevance) and
catalogue coverage (share of the catalogue that appears in anyone's top k):

* ``popularity`` — the baseline: the globally most chosen items;
* ``item_knn`` — the strong baseline: cosine item-kNN over binary histories, all neighbours;
* ``segment_lift`` and ``segment_popular`` — the customer's segment list (by lift, by popularity);
* ``blend`` — the per-customer blend of the segment ranking and item-to-item similarity;
* ``ease`` — EASE on the recency-weighted history with the popularity penalty (:mod:`core.recommend.personal`).

``default`` names the method the customer lists were made with (``RecommendParams.method``).

The caller must give segment labels that were fitted without the held-out interactions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.recommend.history import binary
from core.recommend.lists import (
    RecommendParams,
    item_similarity,
    rank_for_customers,
    segment_stats,
)
from core.recommend.personal import fit_scorer, popularity_penalty, rank_with_model
from core.represent.behaviour import Interactions, Matched

METHODS = {
    "popularity": "Global popularity (baseline)",
    "item_knn": "Item-kNN, cosine (baseline)",
    "segment_lift": "Segment list by lift",
    "segment_popular": "Segment list by popularity",
    "blend": "Per-customer blend",
    "ease": "EASE, recent history",
}
#: the per-customer methods, by the name ``RecommendParams.method`` gives them
PERSONAL = ("ease", "item_knn", "blend")


def holdout_mask(interactions: Interactions, matched: Matched, share: float, seed: int) -> np.ndarray:
    """Per event of ``interactions.events``: True when it stays in training.

    A (customer, item) pair is held out as a whole, so an item never sits on both sides.
    """
    pairs = pd.DataFrame({"user": matched.user, "item": matched.item})
    if interactions.has_time:
        pairs["key"] = interactions.events.loc[matched.keep, "time"].astype("int64").to_numpy()
    else:
        pairs["key"] = 0
    first = pairs.groupby(["user", "item"], sort=False)["key"].min().reset_index()
    if not interactions.has_time:
        first["key"] = np.random.default_rng(seed).permutation(len(first))
    first = first.sort_values(["user", "key", "item"], ascending=[True, False, True], kind="stable")
    n_items = first.groupby("user")["item"].transform("size").to_numpy()
    held_count = np.where(n_items >= 2, np.clip(np.round(share * n_items), 1, n_items - 1), 0)
    first["held"] = first.groupby("user").cumcount().to_numpy() < held_count
    held = first.loc[first["held"], ["user", "item"]]
    held_keys = set((held["user"].to_numpy() * matched.n_items + held["item"].to_numpy()).tolist())
    event_keys = matched.user * matched.n_items + matched.item
    train = np.ones(len(interactions.events), dtype=bool)
    train[np.flatnonzero(matched.keep)[np.isin(event_keys, list(held_keys))]] = False
    return train


def ranking_metrics(recommended: np.ndarray, truth: sp.csr_matrix, k: int) -> dict[str, float]:
    """Mean precision@k, recall@k and NDCG@k of ``recommended`` (rows × k item positions, -1 empty)."""
    n_items = truth.shape[1]
    r, c = truth.nonzero()
    relevant = np.sort(r.astype(np.int64) * n_items + c)
    keys = np.arange(len(recommended))[:, None] * n_items + recommended
    hits = np.isin(keys, relevant) & (recommended >= 0)
    n_true = np.asarray((truth > 0).sum(axis=1)).ravel()
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(discount)[np.minimum(n_true, k) - 1]
    found = hits.sum(axis=1)
    return {
        "precision": float(np.mean(found / k)),
        "recall": float(np.mean(found / n_true)),
        "ndcg": float(np.mean((hits * discount[: hits.shape[1]]).sum(axis=1) / ideal)),
    }


def evaluate(train: sp.csr_matrix, test: sp.csr_matrix, labels: np.ndarray, params: RecommendParams) -> dict:
    """Every method side by side on the customers with held-out items (labels fitted on ``train``).

    ``train`` is the training history (recency-weighted or binary), ``test`` the held-out pairs."""
    k = params.top_k
    rows = np.flatnonzero(np.asarray(test.sum(axis=1)).ravel() > 0)
    summary = {"k": k, "customers_evaluated": int(len(rows)), "held_out_items": int(test.nnz),
               "catalogue": int(train.shape[1]), "default": params.method}
    if not len(rows):
        return {**summary, "methods": {}, "note": "No customer has two or more distinct items, so nothing could be "
                "held out and there is no evaluation."}
    matrix = binary(train)
    stats = segment_stats(matrix, labels)
    rates = stats.rates(params.smoothing)
    lift = stats.lifts(params.smoothing, params.min_support)
    lifts = np.vstack([np.where(lift > 1, lift, 0.0), stats.overall[None, :]])
    seen, weighted, row_of = matrix[rows], train[rows], stats.row_of[rows]
    knn, ease = fit_scorer("item_knn", matrix, params), fit_scorer("ease", matrix, params)
    everyone = np.zeros(len(rows), dtype=int)
    ranked = {
        "popularity": rank_for_customers(seen, stats.overall[None, :], everyone, k)[0],
        "item_knn": rank_with_model(seen, knn, stats.overall[None, :], everyone, k)[0],
        "segment_lift": rank_for_customers(seen, lifts, row_of, k)[0],
        "segment_popular": rank_for_customers(seen, rates, row_of, k)[0],
        "blend": rank_for_customers(seen, rates, row_of, k, item_similarity(matrix, params.neighbours),
                                    params.blend)[0],
        "ease": rank_with_model(weighted, ease, rates, row_of, k,
                                popularity_penalty(matrix, params.popularity_penalty), params.segment_prior)[0],
    }
    truth = test[rows]
    methods = {}
    for name, recommended in ranked.items():
        figures = ranking_metrics(recommended, truth, k)
        figures["coverage"] = float(len(np.unique(recommended[recommended >= 0])) / max(train.shape[1], 1))
        methods[name] = {"label": METHODS[name], **{m: round(v, 4) for m, v in figures.items()}}
    notes = [note for note in (knn.note, ease.note) if note]
    return {**summary, "methods": methods, **({"notes": notes} if notes else {})}
