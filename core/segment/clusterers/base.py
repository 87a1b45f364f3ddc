"""The clusterer interface, its parameters and its registry.

A clusterer is one module in this package with one class that subclasses :class:`Clusterer` and is
decorated with :func:`register`; the package's ``__init__`` imports each module (one line). From
then on its name is a choice of ``--algo``, of the Map form, of the sweep and of saved runs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, replace
from typing import ClassVar, TypeVar

import numpy as np

from core.errors import ParameterError
from core.schema import SEED_MAX, check_fields, param

#: the k tried by "auto" and by a sweep of k
AUTO_K_RANGE = (2, 15)

CLUSTERERS: dict[str, type[Clusterer]] = {}
C = TypeVar("C", bound="type[Clusterer]")


def register(cls: C) -> C:
    """Class decorator: make a clusterer reachable by its ``name``."""
    CLUSTERERS[cls.name] = cls
    return cls


def algorithms() -> tuple[str, ...]:
    """The names of the registered clusterers, in registration order."""
    return tuple(CLUSTERERS)


@dataclass(frozen=True)
class ClusterParams:
    """How to cluster. Each clusterer reads the fields it names in :attr:`Clusterer.uses`."""

    algo: str = param("hdbscan", what="The algorithm", label="Algorithm", kind=str, choices=algorithms,
                      help="clustering algorithm")
    k: int | str = param("auto", what="k", label="Number of segments (k)", low=2, high=1000, auto=True,
                         help="number of segments, or 'auto' (chosen by the algorithm's criterion)")
    min_cluster_size: int = param(30, what="The minimum segment size", label="Minimum segment size", low=2,
                                  high=10_000_000, help="smallest group that counts as a segment")
    min_samples: int | None = param(None, what="min_samples", label="Min samples", low=1, high=10_000_000,
                                    optional=True,
                                    help="larger is more conservative (more unassigned customers); default: the "
                                         "minimum segment size, lowered on large inputs so its neighbour table "
                                         "stays within 1 GiB")
    reassign_outliers: bool = param(False, what="Reassigning outliers",
                                    label="Give unassigned customers their nearest segment", kind=bool,
                                    help="give unassigned customers their nearest segment")
    seed: int = param(0, what="The seed", label="Seed", low=0, high=SEED_MAX,
                      help="random seed: the same seed gives the same result")

    def validate(self, n: int | None = None) -> ClusterParams:
        """Check each parameter alone and, given the number of customers ``n``, against it."""
        check_fields(self)
        if n is not None:
            CLUSTERERS[self.algo].check(self, n)
            if n < 2:
                raise ParameterError("Segmenting needs at least 2 customers.")
        return self

    def as_dict(self) -> dict:
        return asdict(self)


class Clusterer(ABC):
    """Labels (-1 = unassigned) and a membership strength in [0, 1] for the points of the reduced space.

    scikit-learn style: ``__init__`` stores the parameters, :meth:`fit` returns the clusterer, fitted
    attributes end in ``_``. Labels need not be numbered by size; the caller renumbers them.
    """

    name: ClassVar[str]  # the --algo value
    label: ClassVar[str]  # how the form names it
    uses: ClassVar[tuple[str, ...]] = ("k",)  # the ClusterParams fields it reads, besides the seed
    sweep_parameter: ClassVar[str] = "k"  # the field a sweep varies
    sweep_criterion: ClassVar[str] = "silhouette"  # "silhouette" or "dbcv": what a sweep recommends by
    sweep_prefers_larger: ClassVar[bool] = False  # ties in a sweep go to the larger (more conservative) value
    finds_outliers: ClassVar[bool] = False  # whether it leaves customers unassigned

    labels_: np.ndarray
    membership_: np.ndarray
    k_scores_: dict[int, float]  # silhouette per k, when k was chosen by silhouette
    notices_: list[str]

    def __init__(self, params: ClusterParams) -> None:
        self.params = params

    @abstractmethod
    def fit(self, points: np.ndarray) -> Clusterer:
        """Cluster ``points``; seeded and reproducible."""

    @classmethod
    def check(cls, params: ClusterParams, n: int) -> None:
        """Refuse parameters that cannot work on ``n`` customers (one clear sentence)."""
        if isinstance(params.k, int) and params.k > n:
            raise ParameterError(f"k is {params.k} but there are only {n} customers; choose k of at most {n}.")

    @classmethod
    def sweep_values(cls, params: ClusterParams, n: int) -> list[int]:
        """The settings of :attr:`sweep_parameter` a sweep tries on ``n`` customers."""
        return list(range(AUTO_K_RANGE[0], min(AUTO_K_RANGE[1], n - 1) + 1))

    @classmethod
    def rerun_params(cls, params: ClusterParams, n_segments: int, n: int, size: int) -> ClusterParams | None:
        """The parameters that re-cluster a subsample of ``size`` of the ``n`` customers for stability (the
        segments found so far: ``n_segments``), or None when they cannot run on it."""
        k = max(n_segments, 2)
        return replace(params, k=k) if k <= size else None
