"""How good and how real a segmentation is: quality figures, stability, and a parameter sweep.

``segmentation_quality`` (run.json ``quality``)::

    n_segments, outlier_share
    silhouette          mean silhouette of assigned customers, on a seeded sample of at most 5,000
    davies_bouldin      lower is better;  calinski_harabasz: higher is better
    dbcv                density-based validity (hdbscan.validity.validity_index) on a sample of at
                        most 1,000, in [-1, 1]; the relative validity HDBSCAN optimises (segments
                        with fewer than 3 customers in the sample count as outliers there)
    segments            {segment id: {size, silhouette}}

``stability`` (run.json ``quality.stability``): the segmentation re-run on random 80 % subsamples
(of at most 5,000 customers) with fresh seeds, compared with the original on the same customers::

    runs, fraction, sample, ari_mean, ari_min   overall agreement (adjusted Rand index)
    segments            {segment id: {jaccard, verdict}}: mean best-match Jaccard per segment;
                        verdict "solid" (≥ 0.75), "fair" (≥ 0.5) or "unstable" (Hennig's thresholds);
                        both None for a segment with fewer than 10 members in the sample

``sweep``: the clustering over a range of one setting (the clusterer says which: HDBSCAN minimum sizes, k), with the
number of segments, outlier share, silhouette and DBCV per setting and a recommended setting.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from core.segment.cluster import ClusterParams, cluster
from core.segment.clusterers import CLUSTERERS
from core.segment.geometry import SILHOUETTE_SAMPLE

DBCV_SAMPLE = 1000
STABILITY_SAMPLE = 5000
MIN_MEASURED = 10  # segments with fewer members in the sample get no stability figure
STABILITY_FRACTION = 0.8
STABILITY_RUNS = 5
SOLID, FAIR = 0.75, 0.5


def _sample(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def dbcv_on_sample(points: np.ndarray, labels: np.ndarray, seed: int = 0, sample: int = DBCV_SAMPLE) -> float | None:
    """Density-based clustering validity on a seeded sample (outliers count against it); None when undefined."""
    from hdbscan.validity import validity_index

    idx = _sample(len(points), sample, seed)
    lab = labels[idx].copy()
    ids, counts = np.unique(lab[lab >= 0], return_counts=True)
    lab[np.isin(lab, ids[counts < 3])] = -1  # segments too small to measure in the sample count as outliers
    if (counts >= 3).sum() < 2:
        return None
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = float(validity_index(points[idx].astype(np.float64), lab))
    except (ValueError, ZeroDivisionError, IndexError):
        return None
    return value if np.isfinite(value) else None


def silhouettes_on_sample(points: np.ndarray, labels: np.ndarray, seed: int = 0,
                          sample: int = SILHOUETTE_SAMPLE) -> tuple[float | None, dict[int, float]]:
    """Overall and per-segment mean silhouette of the assigned customers on a seeded sample."""
    from sklearn.metrics import silhouette_samples

    assigned = np.where(labels >= 0)[0]
    idx = assigned[_sample(len(assigned), sample, seed)]
    lab = labels[idx]
    if len(set(lab.tolist())) < 2 or len(idx) < 3:
        return None, {}
    values = silhouette_samples(points[idx], lab)
    return float(values.mean()), {int(s): float(values[lab == s].mean()) for s in np.unique(lab)}


def segmentation_quality(points: np.ndarray, labels: np.ndarray, seed: int = 0) -> dict:
    """Silhouette, Davies–Bouldin, Calinski–Harabasz, DBCV, outlier share, and per-segment silhouette."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    mask = labels >= 0
    ids, sizes = np.unique(labels[mask], return_counts=True)
    silhouette, per_segment = silhouettes_on_sample(points, labels, seed)
    out = {
        "n_segments": int(len(ids)),
        "outlier_share": float(1 - mask.mean()) if len(labels) else 0.0,
        "silhouette": silhouette,
        "davies_bouldin": None,
        "calinski_harabasz": None,
        "dbcv": dbcv_on_sample(points, labels, seed),
        "segments": {int(s): {"size": int(n), "silhouette": per_segment.get(int(s))} for s, n in zip(ids, sizes)},
    }
    if 2 <= len(ids) < mask.sum():
        out["davies_bouldin"] = float(davies_bouldin_score(points[mask], labels[mask]))
        out["calinski_harabasz"] = float(calinski_harabasz_score(points[mask], labels[mask]))
    return out


def best_match_jaccard(reference: np.ndarray, other: np.ndarray) -> dict[int, float]:
    """For each reference segment, the Jaccard index of its best-matching segment in ``other``.

    Outliers never match.
    """
    ref_ids = np.unique(reference[reference >= 0])
    other_ids = np.unique(other[other >= 0])
    if not len(other_ids):
        return {int(s): 0.0 for s in ref_ids}
    a = (reference[:, None] == ref_ids[None, :]).astype(np.int64)
    b = (other[:, None] == other_ids[None, :]).astype(np.int64)
    both = a.T @ b
    union = a.sum(axis=0)[:, None] + b.sum(axis=0)[None, :] - both
    jaccard = both / np.maximum(union, 1)
    return {int(s): float(jaccard[i].max()) for i, s in enumerate(ref_ids)}


def verdict(jaccard: float) -> str:
    return "solid" if jaccard >= SOLID else "fair" if jaccard >= FAIR else "unstable"


def stability(points: np.ndarray, labels: np.ndarray, params: ClusterParams, runs: int = STABILITY_RUNS,
              seed: int = 0, fraction: float = STABILITY_FRACTION, sample: int = STABILITY_SAMPLE) -> dict | None:
    """Re-cluster random subsamples with fresh seeds; per-segment best-match Jaccard and overall ARI.

    KMeans keeps the number of segments found; HDBSCAN's minimum size shrinks with the subsample
    so it asks for the same share of customers (but not below 10). None when there is nothing to
    compare.
    """
    from sklearn.metrics import adjusted_rand_score

    n_segments = len(set(labels.tolist()) - {-1})
    if runs < 1 or n_segments < 1:
        return None
    rng = np.random.default_rng(seed)
    base = _sample(len(points), sample, seed)
    pts, ref = points[base], labels[base]
    size = int(round(fraction * len(base)))
    rerun = CLUSTERERS[params.algo].rerun_params(params, n_segments, len(points), size)
    if rerun is None:
        return None
    ids, counts = np.unique(ref[ref >= 0], return_counts=True)
    aris: list[float] = []
    jaccards: dict[int, list[float]] = {int(s): [] for s, c in zip(ids, counts) if c >= MIN_MEASURED}
    for r in range(runs):
        sub = np.sort(rng.choice(len(base), size=size, replace=False))
        new = cluster(pts[sub], replace(rerun, seed=seed + r + 1)).labels
        aris.append(float(adjusted_rand_score(ref[sub], new)))
        for s, j in best_match_jaccard(ref[sub], new).items():
            if s in jaccards:
                jaccards[s].append(j)
    per_segment: dict[int, dict[str, float | str | None]] = {
        int(s): {"jaccard": None, "verdict": None} for s in set(labels.tolist()) - {-1}}
    per_segment.update({s: {"jaccard": float(np.mean(v)), "verdict": verdict(float(np.mean(v)))}
                        for s, v in jaccards.items()})
    return {
        "runs": runs, "fraction": fraction, "sample": int(len(base)),
        "ari_mean": float(np.mean(aris)), "ari_min": float(np.min(aris)),
        "segments": dict(sorted(per_segment.items())),
    }


def sweep(points: np.ndarray, params: ClusterParams, values: list[int] | None = None) -> dict:
    """Cluster with each setting; rows of (value, n_segments, outlier_share, silhouette, dbcv) and a recommendation.

    The clusterer says which parameter varies (HDBSCAN's minimum size, k otherwise), which values to
    try and what recommends one: DBCV for HDBSCAN (it charges outliers), silhouette otherwise; only
    settings that find at least two segments qualify.
    """
    clusterer = CLUSTERERS[params.algo]
    name, criterion = clusterer.sweep_parameter, clusterer.sweep_criterion
    values = values or clusterer.sweep_values(params, len(points))
    rows: list[dict[str, Any]] = []
    for value in values:
        labels = cluster(points, clusterer.with_value(params, int(value))).labels
        mask = labels >= 0
        silhouette, _ = silhouettes_on_sample(points, labels, params.seed)
        rows.append({
            "value": int(value), "n_segments": int(len(set(labels[mask].tolist()))),
            "outlier_share": float(1 - mask.mean()), "silhouette": silhouette,
            "dbcv": dbcv_on_sample(points, labels, params.seed) if criterion == "dbcv" else None,
        })
    candidates = [r for r in rows if r["n_segments"] >= 2 and r[criterion] is not None]
    # ties (to 3 decimals) go to the more conservative setting: the larger minimum size, the smaller k
    direction = 1 if clusterer.sweep_prefers_larger else -1
    best = (max(candidates, key=lambda r: (round(r[criterion], 3), direction * r["value"]))["value"]
            if candidates else None)
    return {"algo": params.algo, "parameter": name, "criterion": criterion, "rows": rows, "recommended": best}
