"""KMeans: k given, or chosen by silhouette on a sample; membership = 1 − d₁/d₂ (nearest vs second centre)."""

from __future__ import annotations

import numpy as np

from core.segment.clusterers.base import AUTO_K_RANGE, Clusterer, KParams, register
from core.segment.geometry import silhouette_on_sample

#: below this many points KMeans runs in one thread: OpenMP's start-ups cost more than they save
SINGLE_THREAD_KMEANS = 100_000


def _kmeans(points: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1 if len(points) < SINGLE_THREAD_KMEANS else None):
        model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(points)
    dist = model.transform(points)
    dist.sort(axis=1)
    margin = 1.0 - dist[:, 0] / np.maximum(dist[:, 1], 1e-12) if k > 1 else np.ones(len(points))
    return model.labels_.astype(np.int32), np.clip(margin, 0, 1).astype(np.float32)


def choose_k(points: np.ndarray, seed: int, k_range: tuple[int, int] = AUTO_K_RANGE) -> dict[int, float]:
    """Silhouette (on a sample) for each k in range."""
    n = len(points)
    scores = {}
    for k in range(k_range[0], min(k_range[1], n - 1) + 1):
        labels, _ = _kmeans(points, k, seed)
        score = silhouette_on_sample(points, labels, seed)
        if score is not None:
            scores[k] = score
    return scores


@register
class KMeansClusterer(Clusterer):
    """KMeans with ``n_init=4``; ``k="auto"`` tries :data:`AUTO_K_RANGE` and keeps the best silhouette."""

    name = "kmeans"
    label = "KMeans"
    Params = KParams

    def fit(self, points: np.ndarray) -> KMeansClusterer:
        n, k = len(points), self.settings.k
        self.k_scores_, self.notices_ = {}, []
        if k == "auto":
            if n < 4:
                k = min(2, n)
            else:
                self.k_scores_ = choose_k(points, self.params.seed)
                k = max(self.k_scores_, key=self.k_scores_.__getitem__) if self.k_scores_ else 2
                self.notices_.append(f"Chose k = {k} by silhouette (tried {min(self.k_scores_, default=2)}–"
                                     f"{max(self.k_scores_, default=2)}).")
        self.labels_, self.membership_ = _kmeans(points, int(k), self.params.seed)
        return self
