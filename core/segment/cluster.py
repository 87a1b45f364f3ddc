"""Clustering the reduced space: HDBSCAN (density, with outliers) or KMeans (k given or chosen).

Labels are renumbered by segment size (0 is the largest); HDBSCAN outliers are -1.
``membership`` is in [0, 1]: HDBSCAN's probability, or for KMeans the margin between the
nearest and second-nearest centre (1 − d₁/d₂).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

from core.errors import ParameterError

ALGORITHMS = ("hdbscan", "kmeans")
AUTO_K_RANGE = (2, 15)
SILHOUETTE_SAMPLE = 5000
#: below this many points KMeans runs in one thread: OpenMP's start-ups cost more than they save
SINGLE_THREAD_KMEANS = 100_000
#: bytes allowed for HDBSCAN's neighbour table: n × (min_samples + 1) distances and indices, 8 bytes each
NEIGHBOUR_TABLE_BUDGET = 1 << 30


@dataclass(frozen=True)
class ClusterParams:
    """How to cluster; ``k`` is an int or ``"auto"`` (KMeans only)."""

    algo: str = "hdbscan"
    k: int | str = "auto"
    min_cluster_size: int = 30
    min_samples: int | None = None
    reassign_outliers: bool = False
    seed: int = 0

    def validate(self, n: int | None = None) -> "ClusterParams":
        """Check each parameter alone and, given the number of customers ``n``, against it."""
        if self.algo not in ALGORITHMS:
            raise ParameterError(f"The algorithm must be one of {', '.join(ALGORITHMS)}, not {self.algo!r}.")
        if self.k != "auto" and (not isinstance(self.k, int) or isinstance(self.k, bool) or self.k < 2):
            raise ParameterError(f"k must be a whole number of at least 2, or 'auto', not {self.k!r}.")
        if not isinstance(self.min_cluster_size, int) or self.min_cluster_size < 2:
            raise ParameterError(f"The minimum segment size must be a whole number of at least 2, not {self.min_cluster_size!r}.")
        if self.min_samples is not None and (not isinstance(self.min_samples, int) or self.min_samples < 1):
            raise ParameterError(f"min_samples must be a whole number of at least 1, not {self.min_samples!r}.")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ParameterError(f"The seed must be a whole number of 0 or more, not {self.seed!r}.")
        if n is not None:
            if self.algo == "kmeans" and isinstance(self.k, int) and self.k > n:
                raise ParameterError(f"k is {self.k} but there are only {n} customers; choose k of at most {n}.")
            if self.algo == "hdbscan" and self.min_cluster_size > n:
                raise ParameterError(
                    f"The minimum segment size is {self.min_cluster_size} but there are only {n} customers; "
                    f"choose at most {n} or use KMeans."
                )
            if self.algo == "hdbscan" and self.min_samples is not None and self.min_samples > max_min_samples(n):
                raise ParameterError(
                    f"min_samples {self.min_samples:,} on {n:,} customers would need "
                    f"{_table_bytes(n, self.min_samples) / 2**30:.1f} GiB for HDBSCAN's neighbour table; choose at "
                    f"most {max_min_samples(n):,}, or leave it empty."
                )
            if n < 2:
                raise ParameterError("Segmenting needs at least 2 customers.")
        return self

    def as_dict(self) -> dict:
        return asdict(self)


def _table_bytes(n: int, min_samples: int) -> int:
    return n * (min_samples + 1) * 16


def max_min_samples(n: int) -> int:
    """The largest HDBSCAN ``min_samples`` whose neighbour table for ``n`` points fits the memory budget."""
    return max(1, NEIGHBOUR_TABLE_BUDGET // (16 * max(n, 1)) - 1)


def hdbscan_min_samples(params: ClusterParams, n: int) -> tuple[int, str | None]:
    """HDBSCAN's ``min_samples`` for ``n`` points, and a notice when the default had to be lowered.

    The default follows the minimum segment size (HDBSCAN's own default) while its neighbour table
    fits :data:`NEIGHBOUR_TABLE_BUDGET`; beyond, it is the largest value that fits. An explicit value
    over the budget is refused by :meth:`ClusterParams.validate`.
    """
    if params.min_samples is not None:
        return params.min_samples, None
    cap = max_min_samples(n)
    if params.min_cluster_size <= cap:
        return params.min_cluster_size, None
    return cap, (f"HDBSCAN's min_samples was set to {cap:,} rather than the minimum segment size "
                 f"({params.min_cluster_size:,}), to keep its neighbour table for {n:,} customers within "
                 f"{NEIGHBOUR_TABLE_BUDGET / 2**30:.0f} GiB of memory.")


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


def silhouette_on_sample(points: np.ndarray, labels: np.ndarray, seed: int = 0, sample: int = SILHOUETTE_SAMPLE) -> float | None:
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


def cluster(points: np.ndarray, params: ClusterParams) -> Clustering:
    """Cluster ``points`` (the reduced space) with ``params``; seeded and reproducible."""
    n = len(points)
    params.validate(n)
    notices: list[str] = []
    k_scores: dict[int, float] = {}
    if params.algo == "kmeans":
        k = params.k
        if k == "auto":
            if n < 4:
                k = min(2, n)
            else:
                k_scores = choose_k(points, params.seed)
                k = max(k_scores, key=k_scores.get) if k_scores else 2
                notices.append(f"Chose k = {k} by silhouette (tried {min(k_scores, default=2)}–{max(k_scores, default=2)}).")
        labels, membership = _kmeans(points, int(k), params.seed)
    else:
        import hdbscan

        min_samples, notice = hdbscan_min_samples(params, n)
        if notice:
            notices.append(notice)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = hdbscan.HDBSCAN(
                min_cluster_size=params.min_cluster_size, min_samples=min_samples, core_dist_n_jobs=1
            ).fit(points)
        labels = model.labels_.astype(np.int32)
        membership = np.nan_to_num(model.probabilities_).astype(np.float32)
        if (labels < 0).all():
            notices.append(
                "HDBSCAN found no segment: every customer is unassigned. Lower the minimum segment size or use KMeans."
            )
        if params.reassign_outliers and (labels < 0).any() and (labels >= 0).any():
            labels, membership = reassign_to_nearest(points, labels, membership)
            notices.append("Unassigned customers were given their nearest segment; their membership says how "
                           "central they are in it.")
    return Clustering(relabel_by_size(labels), membership, k_scores, notices)


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
