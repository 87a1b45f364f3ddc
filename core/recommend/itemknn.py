"""Item-kNN, the strong classic baseline: cosine similarity between items' binary customer vectors, all neighbours.

A customer's score for an item is the sum of its similarities to the items in their history. Up to
``max_items`` items every neighbour is kept (the textbook baseline); above, each item keeps its
``CAPPED_NEIGHBOURS`` most similar items, so the similarity matrix stays bounded (the evaluation says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from core.recommend.lists import item_similarity

CAPPED_NEIGHBOURS = 200


@dataclass
class ItemKnnModel:
    """Items × items cosine similarities (no diagonal)."""

    similarity: sp.csr_matrix
    note: str | None = None

    def scores(self, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray((history @ self.similarity).toarray(), dtype=np.float64)

    def contributions(self, history_items: np.ndarray, weights: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self.similarity[history_items][:, items].toarray() * weights[:, None]


def fit_item_knn(binary: sp.csr_matrix, max_items: int) -> ItemKnnModel:
    """Cosine item-kNN on a binary customers × items matrix, all neighbours up to ``max_items`` items."""
    n_items = binary.shape[1]
    if n_items <= max_items:
        norms = np.sqrt(np.asarray(binary.sum(axis=0)).ravel())
        normed = (binary @ sp.diags(1.0 / np.maximum(norms, 1e-12))).tocsc().astype(np.float32)
        similarity = (normed.T @ normed).tocsr()
        similarity.setdiag(0.0)
        similarity.eliminate_zeros()
        return ItemKnnModel(similarity)
    note = (f"Item-kNN kept the {CAPPED_NEIGHBOURS} most similar items per item ({n_items:,} items, above "
            f"{max_items:,}), to bound its cost.")
    return ItemKnnModel(item_similarity(binary, CAPPED_NEIGHBOURS), note)
