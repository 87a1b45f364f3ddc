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


def segment_centres(points: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The segment ids (label ≥ 0, ascending) and each one's centre (mean of its members), in float64."""
    ids = np.array(sorted(set(np.asarray(labels).tolist()) - {-1}), dtype=np.int64)
    centres = np.zeros((len(ids), points.shape[1]), dtype=np.float64)
    for k, s in enumerate(ids):
        centres[k] = points[labels == s].mean(axis=0, dtype=np.float64)
    return ids, centres


def squared_distances(points: np.ndarray, centres: np.ndarray, chunk: int = 20_000) -> np.ndarray:
    """Squared Euclidean distance of every point to every centre (points × centres), a chunk of rows at a time."""
    out = np.empty((len(points), len(centres)), dtype=np.float64)
    centre_norms = (centres ** 2).sum(axis=1)
    for start in range(0, len(points), chunk):
        block = np.asarray(points[start:start + chunk], dtype=np.float64)
        d2 = (block ** 2).sum(axis=1)[:, None] - 2.0 * block @ centres.T + centre_norms[None, :]
        out[start:start + chunk] = np.maximum(d2, 0.0)
    return out


def runner_up_margin(points: np.ndarray, labels: np.ndarray, ids: np.ndarray,
                     centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's runner-up segment and margin against the segment centres ``ids``/``centres``.

    The runner-up is the segment with the nearest centre other than the point's own (for an unassigned
    point, −1, the nearest segment; −1 when there is no other segment). The margin is
    (d_runner_up − d_own) / max(d_runner_up, d_own) of the Euclidean distances to the two centres: 1 at the
    own centre, 0 halfway, −1 at the runner-up's centre (below 0 when the runner-up's centre is nearer,
    possible when the segments were found in another space); NaN for unassigned points or without a runner-up.
    """
    labels = np.asarray(labels)
    runner_up = np.full(len(labels), -1, dtype=np.int64)
    margin = np.full(len(labels), np.nan)
    if len(ids) == 0:
        return runner_up, margin
    d = np.sqrt(squared_distances(points, centres))
    column = {int(s): k for k, s in enumerate(ids)}
    own = np.array([column.get(int(s), -1) for s in labels])
    rows = np.arange(len(labels))
    others = d.copy()
    others[own >= 0, own[own >= 0]] = np.inf
    nearest_other = others.argmin(axis=1)
    has_other = np.isfinite(others[rows, nearest_other])
    runner_up[has_other] = ids[nearest_other[has_other]]
    mine = (own >= 0) & has_other
    d_own, d_other = d[rows[mine], own[mine]], others[rows[mine], nearest_other[mine]]
    larger = np.maximum(d_own, d_other)
    margin[mine] = np.where(larger > 0, (d_other - d_own) / np.where(larger > 0, larger, 1.0), 0.0)
    return runner_up, margin
