"""The training customers' neighbour index for assignment, built once and queried block after block.

Exact: scikit-learn's ``NearestNeighbors`` fitted once (brute force for text features, a tree for a few
numbers). Approximate: pynndescent's NN-descent graph, for large references where the exact vote's
distance computation dominates (agreement with exact and speed: docs/BENCHMARKS.md, assign_scale).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: references at least this large are searched approximately by default (exact below)
APPROXIMATE_FROM = 50_000
#: neighbours per point in the NN-descent graph and the search's slack: measured ≥ 99% same segment
GRAPH_NEIGHBOURS = 30
SEARCH_EPSILON = 0.2


class ReferenceIndex:
    """Nearest training customers of new rows; ``approximate`` None decides by the reference's size. Built on
    the first query, so an actor whose customers are all training customers (they keep their fitted segment,
    :meth:`~core.runs.assign.AssignmentModel.fitted_rows`) never builds it."""

    def __init__(self, features: np.ndarray, approximate: bool | None = None, seed: int = 0) -> None:
        self.rows = len(features)
        self.approximate = self.rows >= APPROXIMATE_FROM if approximate is None else approximate
        self._features, self._seed = features, seed
        self._index: Any = None

    def _built(self) -> Any:
        if self._index is not None:
            return self._index
        if self.approximate:
            from pynndescent import NNDescent

            self._index = NNDescent(self._features, n_neighbors=min(GRAPH_NEIGHBOURS, self.rows - 1),
                                    random_state=self._seed, n_jobs=1, low_memory=True)
            self._index.prepare()
        else:
            from sklearn.neighbors import NearestNeighbors

            self._index = NearestNeighbors().fit(self._features)
        return self._index

    def kneighbors(self, matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(distances, indices) of the ``k`` nearest training customers of each row, nearest first."""
        if self.approximate:
            idx, dist = self._built().query(np.ascontiguousarray(matrix, dtype=np.float32), k=k,
                                            epsilon=SEARCH_EPSILON)
            return dist, idx
        dist, idx = self._built().kneighbors(matrix, n_neighbors=k)
        return dist, idx
