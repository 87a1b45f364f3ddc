"""Recommendations per segment and per customer, from a customers × items matrix (scipy.sparse).

* **Per segment, by lift**: how much more the segment's members choose an item than everyone
  else: members who chose it over members expected to at everyone else's rate, both plus
  ``smoothing`` pseudo-customers; an item also needs ``min_support`` members who chose it, so
  rare items do not win by chance.
* **Per segment, by popularity**: the share of the segment's members who chose it, smoothed
  towards the overall share with ``smoothing`` pseudo-customers.
* **Per customer** (``method`` blend; :mod:`core.recommend.personal` has the others): ``blend`` × the segment's
  popularity ranking + (1 − ``blend``) × item-to-item
  similarity (cosine between items' sets of customers, ``neighbours`` kept per item) from the
  customer's own history, each scaled to a maximum of 1. A customer without history gets the
  segment's popularity list (cold start); outliers use global popularity as their segment
  ranking. An item the customer already has is never recommended.

Only a segments × items table and a batch of customers × items are ever dense.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.schema import SEED_MAX, check_fields, param

_BATCH = 1024
METHOD_CHOICES = ("ease", "item_knn", "blend")
_DENSE_CELLS = 16_000_000  # cells of a dense batch (64 MB of float32)


@dataclass(frozen=True)
class RecommendParams:
    """How recommendations are made and evaluated."""

    top_k: int = param(10, what="top-k", label="Items to recommend per customer (top-k)", low=1, high=1000,
                       help="items to recommend per customer and per segment list")
    min_support: int = param(5, what="The minimum support", low=1, high=1_000_000,
                             help="members who must have chosen an item before a segment's list names it")
    smoothing: float = param(10.0, what="The smoothing", kind=float, low=0.0, high=1e6,
                             help="pseudo-customers pulling a segment's rate towards everyone's (lift)")
    blend: float = param(0.3, what="The blend weight of the segment ranking", kind=float, low=0.0, high=1.0,
                         help="weight of the segment's popular list against item-to-item similarity per customer")
    neighbours: int = param(50, what="The neighbours kept per item", low=1, high=100_000,
                            help="most similar items kept per item for the per-customer lists")
    holdout: float = param(0.2, what="The held-out share", kind=float, low=0.01, high=0.99,
                           help="share of each customer's items hidden to evaluate the lists")
    seed: int = param(0, what="The seed", low=0, high=SEED_MAX, help="random seed of the hold-out")
    method: str = param("ease", what="The per-customer method", kind=str, choices=METHOD_CHOICES,
                        label="Per-customer method",
                        help="how each customer's list is made: ease (closed-form item model on their recent "
                             "history, best on the hold-out), item_knn (cosine item similarity) or blend (their "
                             "segment's popular items blended with item similarity)")
    ease_lambda: float = param(300.0, what="EASE's regularisation", kind=float, low=1e-3, high=1e7,
                               help="EASE's lambda: larger values pull the item weights towards popular items")
    recency: float = param(10.0, what="The recency scale", kind=float, low=0.0, high=1e6,
                           help="with times, EASE weighs the item at position p from a customer's latest by "
                                "exp(-p/recency) (0: all their items alike)")
    popularity_penalty: float = param(0.4, what="The popularity penalty", kind=float, low=0.0, high=1.0,
                                      help="EASE's scores are divided by item popularity to this power, so the "
                                           "lists reach beyond the blockbusters (0: no penalty)")
    segment_prior: float = param(4.0, what="The segment prior", kind=float, low=0.0, high=1e6,
                                 help="a customer with n items gets c/(c+n) of their segment's popular list added to "
                                      "EASE's scores, so thin histories lean on the segment (0: none)")
    max_items: int = param(20_000, what="The largest catalogue for an exact item model", low=2, high=100_000,
                           help="above this many items EASE is fitted on the most chosen ones and item-kNN keeps "
                                "200 neighbours per item, to bound memory and time")

    def validate(self) -> RecommendParams:
        check_fields(self)
        return self

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class SegmentStats:
    """Who chose what, per segment: the counts every segment ranking is made from."""

    segments: np.ndarray  # segment ids (outliers excluded), ascending
    size: np.ndarray  # members per segment
    chosen: np.ndarray  # segments × items: members who chose the item
    total: np.ndarray  # per item: customers who chose it
    n: int  # customers
    row_of: np.ndarray  # per customer: its segment's row in ``chosen``, or len(segments) for outliers

    @property
    def overall(self) -> np.ndarray:
        return self.total / max(self.n, 1)

    def rates(self, smoothing: float) -> np.ndarray:
        """(segments + 1) × items: smoothed share of members who chose each item; the last row is global."""
        inside = (self.chosen + smoothing * self.overall) / (self.size[:, None] + smoothing)
        return np.vstack([inside, self.overall[None, :]]) if len(inside) else self.overall[None, :]

    def lifts(self, smoothing: float, min_support: int) -> np.ndarray:
        """segments × items: smoothed lift, 0 below the minimum support.

        (members who chose the item + a) / (members expected to, at everyone else's rate, + a) with
        a = ``smoothing``: an item chosen by 3 members and nobody else scores (3 + 10) / 10 = 1.3,
        one chosen by 40% of the segment against 10% of everyone else, in a segment of 500,
        (200 + 10) / (50 + 10) = 3.5.
        """
        rest_rate = (self.total - self.chosen) / np.maximum(self.n - self.size, 1)[:, None]
        lift = (self.chosen + smoothing) / (self.size[:, None] * rest_rate + smoothing)
        return np.where(self.chosen >= min_support, lift, 0.0)


def segment_stats(matrix: sp.csr_matrix, labels: np.ndarray) -> SegmentStats:
    """Count, per segment and item, the members who chose it (``matrix`` is binary customers × items)."""
    labels = np.asarray(labels)
    segments = np.unique(labels[labels >= 0])
    row_of = np.full(len(labels), len(segments))
    row_of[labels >= 0] = np.searchsorted(segments, labels[labels >= 0])
    members = labels >= 0
    indicator = sp.csr_matrix((np.ones(int(members.sum())), (row_of[members], np.flatnonzero(members))),
                              shape=(len(segments), len(labels)))
    chosen = (indicator @ matrix).toarray() if len(segments) else np.zeros((0, matrix.shape[1]))
    return SegmentStats(segments, np.bincount(row_of[members], minlength=len(segments)).astype(float), chosen,
                        np.asarray(matrix.sum(axis=0)).ravel().astype(float), len(labels), row_of)


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the k highest positive scores (ties by item position); missing places are -1 and 0."""
    k = min(k, scores.shape[1])
    if k == 0:
        return np.zeros((len(scores), 0), dtype=np.int64), np.zeros((len(scores), 0))
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -vals), axis=1)
    idx, vals = np.take_along_axis(part, order, axis=1), np.take_along_axis(vals, order, axis=1)
    empty = ~(vals > 0)
    return np.where(empty, -1, idx), np.where(empty, 0.0, vals)


def item_similarity(matrix: sp.csr_matrix, neighbours: int) -> sp.csr_matrix:
    """Items × items cosine similarity of their customer sets, the ``neighbours`` best per item, no diagonal."""
    n_items = matrix.shape[1]
    norms = np.sqrt(np.asarray(matrix.sum(axis=0)).ravel())
    normed = (matrix @ sp.diags(1.0 / np.maximum(norms, 1e-12))).tocsc().astype(np.float32)
    by_item = normed.T.tocsr()
    chunk = max(1, _DENSE_CELLS // max(n_items, 1))
    rows, cols, vals = [], [], []
    for start in range(0, n_items, chunk):
        stop = min(start + chunk, n_items)
        block = (by_item[start:stop] @ normed).toarray()
        block[np.arange(stop - start), np.arange(start, stop)] = 0.0
        idx, best = top_k(block, neighbours)
        keep = idx >= 0
        rows.append(np.nonzero(keep)[0] + start)
        cols.append(idx[keep])
        vals.append(best[keep])
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(n_items, n_items), dtype=np.float32)


def _row_max_scaled(block: np.ndarray) -> np.ndarray:
    top = block.max(axis=1, keepdims=True) if block.shape[1] else np.zeros((len(block), 1))
    return np.divide(block, top, out=np.zeros_like(block), where=top > 0)


def rank_for_customers(matrix: sp.csr_matrix, base: np.ndarray, row_of: np.ndarray, k: int,
                       similarity: sp.csr_matrix | None = None, blend: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Top-k unseen items per customer.

    Each customer's score is ``blend`` × ``base[row_of[c]]`` (scaled to a maximum of 1) plus
    (1 − ``blend``) × the similarity of each item to the customer's items (scaled alike). Items
    the customer has in ``matrix`` are excluded. Returns (item positions, scores), -1 where empty.
    """
    n, n_items = matrix.shape
    base = _row_max_scaled(np.asarray(base, dtype=np.float64))
    batch = max(1, min(_BATCH, _DENSE_CELLS // max(n_items, 1)))
    out_idx = np.full((n, min(k, n_items)), -1, dtype=np.int64)
    out_val = np.zeros(out_idx.shape)
    for start in range(0, n, batch):
        stop = min(start + batch, n)
        seen = matrix[start:stop]
        scores = blend * base[row_of[start:stop]]
        if similarity is not None and blend < 1:
            scores += (1 - blend) * _row_max_scaled((seen @ similarity).toarray().astype(np.float64))
        r, c = seen.nonzero()
        scores[r, c] = -np.inf
        out_idx[start:stop], out_val[start:stop] = top_k(scores, k)
    return out_idx, out_val


def _pct(share: float) -> str:
    return f"{share:.1%}" if 0 < share < 0.01 else f"{share:.0%}"


def segment_lists(stats: SegmentStats, params: RecommendParams, item_ids: np.ndarray,
                  item_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Per segment two ranked lists, ``lift`` and ``popular``, each row with a plain reason.

    Columns: segment_id, rank, item_id, score, reason (, item_name), list.
    """
    rows = []
    rates, lifts = stats.rates(params.smoothing), stats.lifts(params.smoothing, params.min_support)
    for r, segment in enumerate(stats.segments):
        size, rest_n = stats.size[r], stats.n - stats.size[r]
        share_in = stats.chosen[r] / max(size, 1)
        share_rest = (stats.total - stats.chosen[r]) / max(rest_n, 1)
        lift = np.where(lifts[r] > 1, lifts[r], 0.0)
        popular = np.where(stats.chosen[r] > 0, rates[r], 0.0)
        for name, scores, digits in (("lift", lift, 3), ("popular", popular, 4)):
            idx, vals = top_k(scores[None, :], params.top_k)
            for rank, (j, v) in enumerate(zip(idx[0], vals[0], strict=False), 1):
                if j < 0:
                    break
                if name == "lift":
                    reason = (f"chosen by {_pct(share_in[j])} of this segment vs {_pct(share_rest[j])} "
                              f"of everyone else ({int(stats.chosen[r, j])} members)")
                else:
                    reason = (f"chosen by {_pct(share_in[j])} of this segment "
                              f"({_pct(share_rest[j])} of everyone else)")
                rows.append({"segment_id": int(segment), "rank": rank, "item_id": str(item_ids[j]),
                             "score": round(float(v), digits), "reason": reason, "list": name})
    frame = pd.DataFrame(rows, columns=["segment_id", "rank", "item_id", "score", "reason", "list"])
    if item_names:
        frame.insert(5, "item_name", frame["item_id"].map(item_names))
    return frame


@dataclass
class Recommendations:
    """What the recommend stage produces for a segmentation."""

    segment_lists: pd.DataFrame  # segment_id, rank, item_id, score, reason (, item_name), list
    user_lists: pd.DataFrame  # id, rank, item_id, score, because, reason
    evaluation: dict
    history: sp.csr_matrix | None = None  # customers × items the lists were made from (recency-weighted)
    item_ids: np.ndarray | None = None  # the catalogue, in the history's column order
    item_names: dict[str, str] | None = None
