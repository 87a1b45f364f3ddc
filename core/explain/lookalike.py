"""Lookalikes: every customer scored by likeness to a few seed customers, in the run's feature space.

Three scorings (measured side by side in ``bench/lookalike_bench.py``, figures in docs/BENCHMARKS.md):

* ``centroid``: cosine between the customer and the seeds' centre, both taken from everyone's mean
  (so it measures the direction that sets the seeds apart, not what every customer shares); −1 to 1.
* ``knn``: the mean cosine (from everyone's mean) to the ``neighbours`` most similar seeds; −1 to 1.
  Follows seeds that form several groups; at most ``MAX_KNN_SEEDS`` seeds (a seeded sample) vote.
* ``logistic``: a logistic regression of the seeds against everyone else (class-balanced, L2); the
  probability of being a seed, 0 to 1.

The audience is everyone but the seeds (and, if asked, the members of some segments), ranked by
score: the top ``size``, or everyone with a score of at least ``min_similarity``. The size curve
gives the audience size at each threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import ParameterError
from core.schema import check_fields, param

METHODS = ("centroid", "knn", "logistic")
METHOD_NOTES = {  # what a score means, for captions
    "centroid": "cosine to the seeds' centre in the feature space, from everyone's mean",
    "knn": "mean cosine to the most similar seeds in the feature space, from everyone's mean",
    "logistic": "a classifier's probability of being one of the seeds",
}
MAX_KNN_SEEDS = 2000
MAX_LOGISTIC_ROWS = 50_000  # others sampled (seeded) beyond this, for the fit only
_CHUNK_CELLS = 8_000_000  # rows × seeds of one block of k-NN similarities


@dataclass(frozen=True)
class LookalikeParams:
    """How an audience is scored and cut."""

    method: str = param("centroid", what="The lookalike scoring", label="Scoring", kind=str, choices=METHODS,
                        help="centroid: cosine to the seeds' centre; knn: mean cosine to the nearest seeds; "
                             "logistic: a classifier of the seeds against everyone else")
    size: int | None = param(None, what="The audience size", label="Audience size", low=1, high=100_000_000,
                             optional=True, help="customers in the audience (default 1,000 without a minimum "
                                                 "similarity)")
    min_similarity: float | None = param(None, what="The minimum similarity", label="Minimum similarity",
                                         kind=float, low=-1.0, high=1.0, optional=True,
                                         help="keep everyone scoring at least this (cosine for centroid and knn, "
                                              "probability for logistic)")
    neighbours: int = param(10, what="The seeds that vote", label="Voting seeds (knn)", low=1, high=1000,
                            help="with knn: the most similar seeds whose cosines are averaged")
    seed: int = param(0, what="The seed", low=0, high=2**31 - 1, help="random seed (seed sampling, the classifier)")

    def validate(self) -> LookalikeParams:
        check_fields(self)
        return self


DEFAULT_SIZE = 1000


def _centred_norms(features: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """‖x − mean‖ of every row without a centred copy of the matrix."""
    norms = np.einsum("ij,ij->i", features, features, dtype=np.float64)
    sq = norms - 2.0 * (features @ mean.astype(features.dtype)) + float(mean @ mean)
    return np.sqrt(np.maximum(sq, 0.0))


def _cosines_to(features: np.ndarray, mean: np.ndarray, norms: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Cosine between every centred row and each centred target (rows × targets), in float64."""
    centred = targets - mean
    dots = (features @ centred.T.astype(features.dtype)).astype(np.float64) - mean @ centred.T
    scale = np.maximum(norms[:, None] * np.linalg.norm(centred, axis=1)[None, :], 1e-12)
    return dots / scale


def _knn(features: np.ndarray, mean: np.ndarray, norms: np.ndarray, seeds: np.ndarray, k: int) -> np.ndarray:
    targets = features[seeds].astype(np.float64)
    k = min(k, len(seeds))
    out = np.empty(len(features))
    step = max(1, _CHUNK_CELLS // len(seeds))
    for start in range(0, len(features), step):
        block = slice(start, start + step)
        sims = _cosines_to(features[block], mean, norms[block], targets)
        out[block] = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:].mean(axis=1)
    return out


def _logistic(features: np.ndarray, seeds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    target = np.zeros(len(features), dtype=np.int8)
    target[seeds] = 1
    others = np.flatnonzero(target == 0)
    if len(others) > MAX_LOGISTIC_ROWS:
        others = rng.choice(others, MAX_LOGISTIC_ROWS, replace=False)
    fit_rows = np.concatenate([seeds, others])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=500)
    model.fit(features[fit_rows], target[fit_rows])
    return model.predict_proba(features)[:, 1]


def lookalike_scores(features: np.ndarray, seeds: np.ndarray, params: LookalikeParams) -> np.ndarray:
    """Every customer's likeness to the ``seeds`` (row positions), by ``params.method`` (the module docstring)."""
    params.validate()
    seeds = np.unique(np.asarray(seeds, dtype=np.int64))
    if len(seeds) == 0:
        raise ParameterError("There are no seed customers; give at least one.")
    if len(seeds) >= len(features):
        raise ParameterError("Every customer is a seed, so nobody is left to find; give fewer seeds.")
    rng = np.random.default_rng(params.seed)
    if params.method == "logistic":
        return _logistic(features, seeds, rng)
    mean = features.mean(axis=0, dtype=np.float64)
    norms = _centred_norms(features, mean)
    if params.method == "knn":
        voters = rng.choice(seeds, MAX_KNN_SEEDS, replace=False) if len(seeds) > MAX_KNN_SEEDS else seeds
        return _knn(features, mean, norms, voters, params.neighbours)
    centre = features[seeds].mean(axis=0, dtype=np.float64)
    return _cosines_to(features, mean, norms, centre[None, :])[:, 0]


def eligible_rows(n: int, seeds: np.ndarray, labels: np.ndarray, exclude_segments: tuple[int, ...] = ()) -> np.ndarray:
    """Who may join the audience: not a seed, not in an excluded segment."""
    eligible = np.ones(n, dtype=bool)
    eligible[np.asarray(seeds, dtype=np.int64)] = False
    if exclude_segments:
        eligible &= ~np.isin(labels, list(exclude_segments))
    return eligible


def audience_rows(scores: np.ndarray, eligible: np.ndarray, size: int | None = None,
                  min_similarity: float | None = None) -> np.ndarray:
    """The eligible rows ranked by score (ties by row order): the top ``size`` of those scoring at least
    ``min_similarity``; :data:`DEFAULT_SIZE` when neither is given."""
    rows = np.flatnonzero(eligible)
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    if min_similarity is not None:
        rows = rows[scores[rows] >= min_similarity]
    if size is None and min_similarity is None:
        size = DEFAULT_SIZE
    return rows if size is None else rows[:size]


def audience_frame(rows: np.ndarray, scores: np.ndarray, ids: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """``id, rank, score, segment_id`` of an audience (rank 1 = most alike)."""
    return pd.DataFrame({"id": np.asarray(ids)[rows].astype(str), "rank": np.arange(1, len(rows) + 1),
                         "score": np.round(scores[rows].astype(float), 4),
                         "segment_id": np.asarray(labels)[rows].astype(int)})


def size_curve(scores: np.ndarray, eligible: np.ndarray, points: int = 101) -> pd.DataFrame:
    """Audience size against similarity threshold: ``min_similarity, audience_size`` (threshold falling)."""
    ranked = np.sort(scores[eligible])[::-1]
    if not len(ranked):
        return pd.DataFrame({"min_similarity": [], "audience_size": []})
    thresholds = np.unique(np.round(np.quantile(ranked, np.linspace(0.0, 1.0, points)), 4))[::-1]
    sizes = np.searchsorted(-ranked, -thresholds, side="right")
    return pd.DataFrame({"min_similarity": thresholds, "audience_size": sizes.astype(int)})
