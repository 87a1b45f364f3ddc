"""Per-customer top-k lists by the chosen method, each item with the reason it was chosen.

Methods (``RecommendParams.method``):

* ``ease`` (the default, best on the hold-out of real ratings logs, docs/BENCHMARKS.md): EASE item
  weights (:mod:`core.recommend.ease`) times the customer's recency-weighted history
  (:mod:`core.recommend.history`), divided by item popularity ** ``popularity_penalty`` so the lists
  reach beyond the blockbusters;
* ``item_knn``: cosine item-kNN over all neighbours on the binary history (:mod:`core.recommend.itemknn`),
  exactly the evaluation's strong baseline;
* ``blend``: the segment's popularity blended with item-to-item similarity (:mod:`core.recommend.lists`).

Segments count where history is thin: a customer without history (cold start) gets their segment's
popular list, EASE adds c / (c + n) of it for a customer with n items (``segment_prior`` c), and places a
model leaves empty (no positive score) are filled from it. Each item
carries the history item that contributed most to its score ("because they chose …") or, from the
segment list, "popular in their segment". Items the customer already has are never recommended.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.recommend.ease import fit_ease
from core.recommend.history import binary
from core.recommend.itemknn import ItemKnnModel, fit_item_knn
from core.recommend.lists import (
    RecommendParams,
    item_similarity,
    rank_for_customers,
    segment_lists,
    segment_stats,
    top_k,
)

_BATCH = 1024
_FILL = 1e-6  # the segment list's weight where a model gives no positive score


class Scorer(Protocol):
    """A fitted item × item model: scores from a history, and each history item's part in a score."""

    note: str | None

    def scores(self, history: sp.csr_matrix) -> np.ndarray: ...

    def contributions(self, history_items: np.ndarray, weights: np.ndarray, items: np.ndarray) -> np.ndarray: ...


def fit_scorer(method: str, matrix: sp.csr_matrix, params: RecommendParams) -> Scorer:
    """The ``ease`` or ``item_knn`` model fitted on ``matrix`` (binary customers × items)."""
    if method == "ease":
        return fit_ease(matrix, params.ease_lambda, params.max_items)
    return fit_item_knn(matrix, params.max_items)


def _row_max_scaled(block: np.ndarray) -> np.ndarray:
    top = block.max(axis=1, keepdims=True) if block.shape[1] else np.zeros((len(block), 1))
    return np.divide(block, top, out=np.zeros_like(block), where=top > 0)


def rank_with_model(history: sp.csr_matrix, scorer: Scorer, base: np.ndarray, row_of: np.ndarray, k: int,
                    penalty: np.ndarray | None = None, prior: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Top-k unseen items per customer from ``scorer`` (divided by ``penalty`` where given), the segment
    ranking ``base[row_of[c]]`` for customers without history and for places the model leaves empty.

    With ``prior`` c > 0, a customer with n items also gets c / (c + n) of their segment's ranking (both
    scaled to a maximum of 1): thin histories lean on the segment, long ones on themselves."""
    n, n_items = history.shape
    base = _row_max_scaled(np.asarray(base, dtype=np.float64))
    out_idx = np.full((n, min(k, n_items)), -1, dtype=np.int64)
    out_val = np.zeros(out_idx.shape)
    for start in range(0, n, _BATCH):
        stop = min(start + _BATCH, n)
        seen = history[start:stop]
        scores = scorer.scores(seen)
        if penalty is not None:
            scores = scores / penalty[None, :]
        scores = _row_max_scaled(scores)
        segment = base[row_of[start:stop]]
        if prior > 0:
            scores = scores + (prior / (prior + np.diff(seen.indptr)))[:, None] * segment
        scores = np.where(scores > 0, scores, _FILL * segment)
        cold = np.diff(seen.indptr) == 0
        scores[cold] = segment[cold]
        r, c = seen.nonzero()
        scores[r, c] = -np.inf
        out_idx[start:stop], out_val[start:stop] = top_k(scores, k)
    return out_idx, out_val


def because(history: sp.csr_matrix, scorer: Scorer, idx: np.ndarray) -> np.ndarray:
    """Per recommended item, the history item that added most to its score, or -1 (from the segment list)."""
    out = np.full(idx.shape, -1, dtype=np.int64)
    history = history.tocsr()
    for row in range(len(idx)):
        items, weights = history.indices[history.indptr[row]:history.indptr[row + 1]], \
            history.data[history.indptr[row]:history.indptr[row + 1]].astype(np.float64)
        chosen = idx[row][idx[row] >= 0]
        if not len(items) or not len(chosen):
            continue
        parts = scorer.contributions(items, weights, chosen)
        best = parts.argmax(axis=0)
        found = parts[best, np.arange(len(chosen))] > 0
        out[row, : len(chosen)] = np.where(found, items[best], -1)
    return out


def popularity_penalty(matrix: sp.csr_matrix, exponent: float) -> np.ndarray | None:
    """Per item, (customers who chose it, at least 1) ** ``exponent``; None when the exponent is 0."""
    if exponent <= 0:
        return None
    return np.maximum(np.asarray(matrix.sum(axis=0)).ravel(), 1.0) ** exponent


def reason_text(because_item: str | None, item_names: dict[str, str] | None, outlier: bool) -> str:
    """"because they chose …" or where a list item came from when no history item explains it."""
    if because_item:
        return f"because they chose {(item_names or {}).get(because_item) or because_item}"
    return "popular overall (no segment)" if outlier else "popular in their segment"


def user_frame(customer_ids: pd.Series, item_ids: np.ndarray, idx: np.ndarray, vals: np.ndarray,
               because_idx: np.ndarray, outlier: np.ndarray, item_names: dict[str, str] | None) -> pd.DataFrame:
    """The customer lists as a table: id, rank, item_id, score, because (item id or empty), reason."""
    filled = idx >= 0
    width = idx.shape[1]
    because_ids = np.where(because_idx[filled] >= 0, item_ids[np.maximum(because_idx[filled], 0)].astype(str), "")
    row_outlier = np.repeat(outlier, width)[filled.ravel()]
    return pd.DataFrame({
        "id": np.repeat(customer_ids.astype(str).to_numpy(), width)[filled.ravel()],
        "rank": np.tile(np.arange(1, width + 1), len(idx))[filled.ravel()],
        "item_id": item_ids[idx[filled]].astype(str),
        "score": np.round(vals[filled], 4),
        "because": because_ids,
        "reason": [reason_text(b, item_names, o) for b, o in zip(because_ids, row_outlier, strict=False)],
    })


def recommend_customers(history: sp.csr_matrix, labels: np.ndarray, customer_ids: pd.Series, item_ids: np.ndarray,
                        params: RecommendParams, item_names: dict[str, str] | None = None
                        ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Per-segment lists and every customer's top-k by ``params.method``; returns (segment lists, customer
    lists, notes). ``history`` is the (recency-weighted or binary) customers × items matrix."""
    matrix = binary(history)
    stats = segment_stats(matrix, labels)
    lists = segment_lists(stats, params, item_ids, item_names)
    rates = stats.rates(params.smoothing)
    notes: list[str] = []
    if params.method == "blend":
        similarity = item_similarity(matrix, params.neighbours)
        idx, vals = rank_for_customers(matrix, rates, stats.row_of, params.top_k, similarity, params.blend)
        scorer: Scorer = ItemKnnModel(similarity)
    elif params.method == "item_knn":
        scorer = fit_scorer("item_knn", matrix, params)
        idx, vals = rank_with_model(matrix, scorer, rates, stats.row_of, params.top_k)
    else:
        scorer = fit_scorer("ease", matrix, params)
        idx, vals = rank_with_model(history, scorer, rates, stats.row_of, params.top_k,
                                    popularity_penalty(matrix, params.popularity_penalty), params.segment_prior)
    if scorer.note:
        notes.append(scorer.note)
    why = because(history if params.method == "ease" else matrix, scorer, idx)
    outlier = stats.row_of == len(stats.segments)
    return lists, user_frame(customer_ids, item_ids, idx, vals, why, outlier, item_names), notes

