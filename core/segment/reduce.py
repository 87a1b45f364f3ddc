"""UMAP reduction: a few dimensions for clustering, 2-D or 3-D for the map.

Large inputs fit on a seeded sample and transform the rest; tiny inputs fall back to PCA,
because a neighbour graph of a handful of points says nothing. The clustering space and the map
are two UMAPs of the same rows: :class:`SharedNeighbours` computes their nearest-neighbour graph
once and hands it to both (``precomputed_knn``), which also keeps UMAP from building the N×N
distance matrix it uses below 4,096 rows.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from core.schema import SEED_MAX, check_fields, param

MIN_UMAP_ROWS = 10
EPOCHS = 200  # UMAP's own choice above 10,000 rows (500 below): measured to keep the segments, docs/BENCHMARKS.md
OLD_EPOCHS = 0  # what runs saved before n_epochs was a parameter used: UMAP's own choice
METRICS = ("euclidean", "cosine", "manhattan")
EXACT_KNN_ROWS = 25_000  # exact neighbours up to here (see SharedNeighbours)


@dataclass(frozen=True)
class ReduceParams:
    """Parameters of one UMAP reduction (scikit-learn style: stored, validated by ``validate``)."""

    n_components: int = param(5, what="The number of dimensions", label="Dimensions", help="UMAP dimensions", low=1,
                              high=100)
    n_neighbors: int = param(15, what="UMAP's n_neighbors", label="Neighbours", low=2, high=1000,
                             help="neighbours UMAP looks at: larger gives broader, fewer segments; "
                                  "smaller, local detail")
    min_dist: float = param(0.0, what="UMAP's min_dist", label="Spread (min_dist)", kind=float, low=0.0, high=1.0,
                            help="how tightly UMAP packs points (0 for clustering; the map spreads them)")
    metric: str = param("euclidean", what="The distance", kind=str, choices=METRICS, help="UMAP's distance")
    max_fit_rows: int = param(50_000, what="The UMAP fitting sample", low=100, high=10_000_000,
                              help="fit UMAP on at most this many rows and transform the rest")
    seed: int = param(0, what="The seed", label="Seed", low=0, high=SEED_MAX,
                      help="random seed: the same seed gives the same result")
    n_epochs: int = param(EPOCHS, what="UMAP's optimisation epochs", label="Epochs", low=0, high=2000,
                          help="rounds of UMAP's layout optimisation (0: UMAP's own choice, 500 up to 10,000 "
                               "customers and 200 above): more is slower and rarely changes the segments")

    def validate(self) -> ReduceParams:
        check_fields(self)
        return self

    def as_dict(self) -> dict:
        return asdict(self)


def fits_whole(n: int, params: ReduceParams) -> bool:
    """Whether UMAP with ``params`` fits all ``n`` rows, transforming none (two such UMAPs may run in two threads
    at once: their fits enter no parallel numba kernel, see :mod:`core.segment.umap_setup`)."""
    return n <= params.max_fit_rows


def _fit_rows(n: int, params: ReduceParams) -> np.ndarray | None:
    """The sorted seeded sample of rows UMAP is fitted on, or None when it is fitted on all ``n``."""
    if fits_whole(n, params):
        return None
    return np.sort(np.random.default_rng(params.seed).choice(n, size=params.max_fit_rows, replace=False))


@dataclass(frozen=True)
class NeighbourGraph:
    """The k nearest neighbours of the fitted rows, with the search index UMAP's transform needs."""

    indices: np.ndarray
    distances: np.ndarray
    search_index: Any  # pynndescent.NNDescent, or None for an exact graph (no rows to transform)


class SharedNeighbours:
    """Nearest-neighbour graphs of one matrix, computed once per (rows, k, metric, seed) and reused.

    Up to ``exact_max_rows`` fitted rows (with no rows left to transform) the graph is exact, from
    scikit-learn's chunked brute force: no N×N matrix, and none of the tens of seconds NN-descent
    spends being compiled in every fresh process (its functions take functions as arguments, which
    numba cannot cache on disk). Beyond that, NN-descent, whose search index transforms the rest. Two threads may
    ask at once: one computes, the other waits for it (one NN-descent at a time, whose kernels are parallel).
    """

    def __init__(self, matrix: np.ndarray, exact_max_rows: int = EXACT_KNN_ROWS) -> None:
        self.matrix = matrix
        self.exact_max_rows = exact_max_rows
        self._graphs: dict[tuple, NeighbourGraph] = {}
        self._lock = threading.Lock()

    def graph(self, params: ReduceParams, n_neighbors: int) -> NeighbourGraph:
        """The graph UMAP with ``params`` (and this effective ``n_neighbors``) would compute."""
        key = (params.max_fit_rows, params.seed, params.metric, n_neighbors)
        with self._lock:
            return self._graph(key, params, n_neighbors)

    def _graph(self, key: tuple, params: ReduceParams, n_neighbors: int) -> NeighbourGraph:
        if key not in self._graphs:
            rows = _fit_rows(len(self.matrix), params)
            fit = self.matrix if rows is None else self.matrix[rows]
            if rows is None and len(fit) <= self.exact_max_rows:
                from sklearn.neighbors import NearestNeighbors

                search = NearestNeighbors(n_neighbors=n_neighbors, metric=params.metric, algorithm="brute").fit(fit)
                distances, indices = search.kneighbors(fit)  # fit passed again: each row is its own first neighbour
                self._graphs[key] = NeighbourGraph(indices.astype(np.int32), distances.astype(np.float32), None)
            else:
                from sklearn.utils import check_random_state

                from core.segment.umap_setup import prepare_umap

                prepare_umap()
                from umap.umap_ import nearest_neighbors

                indices, distances, index = nearest_neighbors(
                    fit, n_neighbors, params.metric, {}, params.metric == "cosine", check_random_state(params.seed),
                    low_memory=True, n_jobs=1,
                )
                self._graphs[key] = NeighbourGraph(indices, distances, index)
        return self._graphs[key]


def _pca(matrix: np.ndarray, n_components: int) -> np.ndarray:
    centred = matrix - matrix.mean(axis=0)
    k = min(n_components, *centred.shape)
    if k == 0 or not np.any(centred):
        out = np.zeros((len(matrix), n_components), dtype=np.float32)
    else:
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
        out = np.zeros((len(matrix), n_components), dtype=np.float32)
        out[:, :k] = (u[:, :k] * s[:k]).astype(np.float32)
    return out


def reduce(matrix: np.ndarray, params: ReduceParams,
           neighbours: SharedNeighbours | None = None) -> tuple[np.ndarray, list[str]]:
    """Reduce ``matrix`` to ``params.n_components`` dimensions; returns (coordinates, notices).

    ``neighbours`` (built on this same ``matrix``) shares the nearest-neighbour graph between calls.
    """
    params.validate()
    n = len(matrix)
    notices: list[str] = []
    if n < MIN_UMAP_ROWS:
        notices.append(f"Only {n} customers: used PCA instead of UMAP for the {params.n_components}-D layout.")
        return _pca(matrix, params.n_components), notices
    from core.segment.umap_setup import prepare_umap

    prepare_umap()  # compiled once per machine, not once per process; before umap imports pynndescent
    import umap

    n_neighbors = min(params.n_neighbors, n - 1)
    n_components = min(params.n_components, n - 2)
    if n_neighbors < params.n_neighbors:
        notices.append(f"n_neighbors lowered to {n_neighbors} because there are only {n} customers.")
    knn: tuple[np.ndarray | None, np.ndarray | None, Any] = (None, None, None)
    if neighbours is not None:
        graph = neighbours.graph(params, n_neighbors)  # copies: UMAP marks disconnected edges in place
        knn = (graph.indices.copy(), graph.distances.copy(), graph.search_index)
    model = umap.UMAP(
        n_components=n_components, n_neighbors=n_neighbors, min_dist=params.min_dist, metric=params.metric,
        random_state=params.seed, low_memory=True, n_jobs=1, precomputed_knn=knn, n_epochs=params.n_epochs or None,
    )
    sample = _fit_rows(n, params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if sample is not None:
            model.fit(matrix[sample])
            coords = np.empty((n, n_components), dtype=np.float32)
            coords[sample] = model.embedding_
            rest = np.setdiff1d(np.arange(n), sample)
            for start in range(0, len(rest), 50_000):
                part = rest[start : start + 50_000]
                coords[part] = model.transform(matrix[part])
            notices.append(f"UMAP was fitted on a sample of {params.max_fit_rows:,} customers and applied to the rest.")
        else:
            coords = model.fit_transform(matrix)
    if n_components < params.n_components:
        coords = np.pad(coords, ((0, 0), (0, params.n_components - n_components)))
    return np.ascontiguousarray(coords, dtype=np.float32), notices
