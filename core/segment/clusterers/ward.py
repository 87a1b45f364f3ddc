"""Agglomerative Ward: customers merged bottom-up, each time the two segments whose union adds the least
within-segment variance; the tree is cut at k segments (given, or chosen by silhouette) or where a merge
would cost more than a distance threshold. Membership = 1 − d₁/d₂ (nearest vs second segment centre).

The tree is scipy's Ward linkage, the one scikit-learn's ``AgglomerativeClustering(linkage="ward")``
builds, so that one tree serves every cut that "auto" and a sweep try. It holds a distance for every
pair of customers, hence :data:`MAX_ROWS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import ParameterError
from core.schema import param
from core.segment.clusterers.base import AUTO_K_RANGE, Clusterer, ClusterParams, KParams, register
from core.segment.geometry import silhouette_on_sample

#: the most customers Ward clusters: its pair distances for 10,000 take 0.4 GB (twice that while built)
MAX_ROWS = 10_000


@dataclass(frozen=True)
class WardParams(KParams):
    """Ward's own parameters: k (see :class:`KParams`), or a distance threshold instead."""

    distance_threshold: float | None = param(
        None, what="The distance threshold", label="Distance threshold", kind=float, low=0.01, high=1_000_000.0,
        optional=True, help="cut the tree where merging two segments would cost more than this (Ward's linkage "
                            "distance) instead of at k; leave k on auto when you set it")


def _margin(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """1 − d₁/d₂: how much nearer each point is to its nearest segment centre than to the second nearest."""
    from sklearn.neighbors import NearestNeighbors

    ids = np.unique(labels)
    if len(ids) < 2:
        return np.ones(len(points), dtype=np.float32)
    centres = np.stack([points[labels == s].mean(axis=0) for s in ids])
    dist, _ = NearestNeighbors(n_neighbors=2).fit(centres).kneighbors(points)
    return np.clip(1.0 - dist[:, 0] / np.maximum(dist[:, 1], 1e-12), 0, 1).astype(np.float32)


@register
class WardClusterer(Clusterer):
    """Ward's agglomerative clustering; ``k="auto"`` cuts the tree at each k of :data:`AUTO_K_RANGE` and keeps
    the best silhouette."""

    name = "ward"
    label = "Agglomerative (Ward)"
    Params = WardParams

    @classmethod
    def check(cls, params: ClusterParams, n: int | None) -> None:
        super().check(params, n)
        own: WardParams = params.settings
        if own.distance_threshold is not None and own.k != "auto":
            raise ParameterError("Ward clustering cuts its tree at k or at a distance threshold, not both; set k to "
                                 "auto or leave the distance threshold empty.")
        if n is not None and n > MAX_ROWS:
            raise ParameterError(f"Ward clustering keeps a distance for every pair of customers, so it takes at most "
                                 f"{MAX_ROWS:,} customers, not {n:,}; use KMeans or HDBSCAN for more.")

    @classmethod
    def with_value(cls, params: ClusterParams, value: int) -> ClusterParams:
        return params.with_options(k=value, distance_threshold=None)  # a sweep and a re-run cut at k

    def fit(self, points: np.ndarray) -> WardClusterer:
        from scipy.cluster.hierarchy import fcluster, ward

        own: WardParams = self.settings
        n = len(points)
        self.k_scores_, self.notices_ = {}, []
        tree = ward(points.astype(np.float64))
        if own.distance_threshold is not None:
            labels = fcluster(tree, own.distance_threshold, criterion="distance")
        elif own.k != "auto":
            labels = fcluster(tree, int(own.k), criterion="maxclust")
        else:
            tried = range(AUTO_K_RANGE[0], min(AUTO_K_RANGE[1], n - 1) + 1)
            cuts = {k: fcluster(tree, k, criterion="maxclust") for k in tried}
            scores = {k: silhouette_on_sample(points, labels, self.params.seed) for k, labels in cuts.items()}
            self.k_scores_ = {k: s for k, s in scores.items() if s is not None}
            k = max(self.k_scores_, key=self.k_scores_.__getitem__) if self.k_scores_ else min(2, n)
            labels = cuts[k] if k in cuts else fcluster(tree, k, criterion="maxclust")
            self.notices_.append(f"Chose k = {k} by silhouette (tried {tried.start}–{max(tried.stop - 1, k)}).")
        self.labels_ = (np.asarray(labels) - 1).astype(np.int32)
        self.membership_ = _margin(points, self.labels_)
        return self
