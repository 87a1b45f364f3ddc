"""Geometry of segments in a space: silhouettes, nearest centres, centrality, reassigning outliers."""

from __future__ import annotations

import numpy as np

SILHOUETTE_SAMPLE = 5000


def silhouette_on_sample(points: np.ndarray, labels: np.ndarray, seed: int = 0,
                         sample: int = SILHOUETTE_SAMPLE) -> float | None:
    """Silhouette of the assigned points on a seeded sample (None when fewer than 2 segments)."""
    from sklearn.metrics import silhouette_score

    mask = labels >= 0
    if len(set(labels[mask].tolist())) < 2 or mask.sum() < 3:
        return None
    pts, lab = points[mask], labels[mask]
    if len(pts) > sample:
        idx = np.random.default_rng(seed).choice(len(pts), size=sample, replace=False)
        pts, lab = pts[idx], lab[idx]
        if len(set(lab.tolist())) < 2:
            return None
    return float(silhouette_score(pts, lab))


def nearest_segment(points: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The segment (label ≥ 0) whose centre is nearest to each of ``rows``, in the space of ``points``."""
    ids = sorted(set(labels.tolist()) - {-1})
    centres = np.stack([points[labels == i].mean(axis=0) for i in ids])
    d = ((points[rows, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return np.asarray(ids)[d.argmin(axis=1)]


def centrality(points: np.ndarray, members: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each of ``others``: the share of ``members`` farther than it from the members' centre."""
    centre = points[members].mean(axis=0)
    own = np.sort(np.linalg.norm(points[members] - centre, axis=1))
    distance = np.linalg.norm(points[others] - centre, axis=1)
    return 1.0 - np.searchsorted(own, distance, side="right") / len(own)


def reassign_to_nearest(points: np.ndarray, labels: np.ndarray,
                        membership: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unassigned points (-1) join the segment with the nearest centre; their membership becomes how
    central they are in it (:func:`centrality`) rather than HDBSCAN's 0."""
    labels, membership = labels.copy(), membership.copy()
    outliers = np.where(labels < 0)[0]
    nearest = nearest_segment(points, labels, outliers)
    for s in set(nearest.tolist()):
        chosen = outliers[nearest == s]
        membership[chosen] = centrality(points, np.where(labels == s)[0], chosen)
    labels[outliers] = nearest
    return labels, membership
