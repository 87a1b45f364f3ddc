"""Clustering the reduced space with a registered clusterer (``core.segment.clusterers``).

Labels are renumbered by segment size (0 is the largest); unassigned customers are -1.
``membership`` is in [0, 1]: how strongly each customer belongs to its segment, as the clusterer
measures it (HDBSCAN's probability, KMeans' margin between the nearest and second-nearest centre,
a mixture's posterior probability).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.segment.clusterers import CLUSTERERS, ClusterParams


@dataclass
class Clustering:
    """Labels (-1 = unassigned) and membership strength per customer."""

    labels: np.ndarray
    membership: np.ndarray
    k_scores: dict[int, float] = field(default_factory=dict)  # silhouette per k when k was chosen
    notices: list[str] = field(default_factory=list)

    @property
    def n_segments(self) -> int:
        return int(len(set(self.labels.tolist()) - {-1}))


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber segments 0..k-1 from largest to smallest, keeping -1."""
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    order = ids[np.lexsort((ids, -counts))]
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(int(v), -1) for v in labels], dtype=np.int32)


def cluster(points: np.ndarray, params: ClusterParams) -> Clustering:
    """Cluster ``points`` (the reduced space) with ``params``; seeded and reproducible."""
    params.validate(len(points))
    fitted = CLUSTERERS[params.algo](params).fit(points)
    return Clustering(relabel_by_size(fitted.labels_), fitted.membership_, fitted.k_scores_, fitted.notices_)
