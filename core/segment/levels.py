"""Segments within segments: each top-level segment (a *parent*) re-segmented inside, with the run's own clusterer
on its members' points of the clustering space.

Every clusterer works this way (HDBSCAN's condensed tree would only serve HDBSCAN). Inside a parent the clusterer
runs with ``reassign_outliers`` on, so every member of a parent belongs to one of its children; k-based clusterers
take ``sub_k`` (``auto``: chosen by their own criterion on the parent's members). A parent with fewer than twice the
minimum segment size members, one the clusterer cannot run on, or one where it finds a single group stays one child.

Fine segments are numbered 0, 1, … parent by parent (parents in id order, children largest first); customers no
parent claimed stay -1 at both levels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from core.errors import ParameterError
from core.schema import check_fields, param
from core.segment.cluster import cluster
from core.segment.clusterers import CLUSTERERS, ClusterParams

MAX_LEVELS = 2


@dataclass(frozen=True)
class LevelParams:
    """How many levels of segments, and how many segments inside each parent for k-based clusterers."""

    levels: int = param(1, what="The number of levels", label="Levels", low=1, high=MAX_LEVELS,
                        help="1: segments; 2: coarse segments and the segments inside each")
    sub_k: int | str = param("auto", what="The number of segments inside each parent", label="Segments per parent",
                             low=2, high=1000, auto=True,
                             help="with 2 levels and KMeans or a mixture: segments inside each parent, or 'auto' "
                                  "(chosen on each parent's members)")

    def validate(self) -> LevelParams:
        check_fields(self)
        return self

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Nested:
    """The fine segments inside the parents, and what happened in each parent."""

    labels: np.ndarray  # fine segment per customer (-1 where the parent is -1)
    membership: np.ndarray  # how strongly each customer belongs to its fine segment, inside its parent
    parent_of: dict[int, int]  # fine segment → its parent
    k_scores: dict[int, dict[int, float]] = field(default_factory=dict)  # parent → silhouette per k, when chosen
    unsplit: list[int] = field(default_factory=list)  # parents that stayed one child
    notices: list[str] = field(default_factory=list)


MIN_CHILD = 30  # the smallest child a clusterer without a minimum segment size of its own may leave


def _inside(points: np.ndarray, params: ClusterParams, min_size: int) -> tuple[np.ndarray, np.ndarray,
                                                                               dict[int, float], str | None]:
    """The children of one parent's points: (labels, membership, silhouette per k, why it stayed whole)."""
    n = len(points)
    whole: tuple[np.ndarray, np.ndarray, dict[int, float]] = (np.zeros(n, dtype=np.int32), np.ones(n), {})
    if n < 2 * min_size:
        return *whole, f"{n:,} members, fewer than twice the minimum segment size {min_size:,}"
    try:
        params.validate(n)
        found = cluster(points, params)
    except ParameterError as exc:
        return *whole, exc.message.rstrip(".")
    if found.n_segments < 2:  # with reassign_outliers on, two segments or more leave nobody unassigned
        return *whole, "the clusterer found a single group in it"
    return found.labels, found.membership, found.k_scores, None


def nest(space: np.ndarray, parents: np.ndarray, params: ClusterParams, levels: LevelParams) -> Nested:
    """Re-segment each parent (label of ``parents`` ≥ 0) on its members' rows of ``space``."""
    own = CLUSTERERS[params.algo].parameters()
    inner = params.with_options(**{name: value for name, value in (("k", levels.sub_k), ("reassign_outliers", True))
                                   if name in own})
    min_size = int(dict(params.options).get("min_cluster_size", MIN_CHILD))
    labels = np.full(len(parents), -1, dtype=np.int32)
    membership = np.zeros(len(parents))
    out = Nested(labels, membership, {})
    next_id = 0
    for parent in sorted(set(parents.tolist()) - {-1}):
        rows = np.flatnonzero(parents == parent)
        child, strength, scores, why = _inside(space[rows], inner, min_size)
        labels[rows] = child + next_id
        membership[rows] = strength
        for c in range(int(child.max()) + 1):
            out.parent_of[next_id + c] = parent
        next_id += int(child.max()) + 1
        if scores:
            out.k_scores[parent] = scores
        if why:
            out.unsplit.append(parent)
            out.notices.append(f"Segment {parent} stays one segment at the second level: {why}.")
    membership[parents < 0] = 0.0
    return out


def check_levels(levels: LevelParams, algo: str) -> None:
    """Refuse a level setting the clusterer cannot use (one sentence)."""
    levels.validate()
    if levels.levels > 1 and levels.sub_k != "auto" and "k" not in CLUSTERERS[algo].parameters():
        raise ParameterError(f"{CLUSTERERS[algo].label} does not take a number of segments per parent; "
                             "leave segments per parent at 'auto'.")
