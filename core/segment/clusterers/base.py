"""The clusterer interface, its parameters and its registry.

A clusterer is one module in this package with one class that subclasses :class:`Clusterer`, declares
its own parameters as a frozen dataclass (:attr:`Clusterer.Params`, fields made with
:func:`core.schema.param`) and is decorated with :func:`register`; the package's ``__init__`` imports
each module (one line). From then on its name is a choice of ``--algo``, of the Map form, of the sweep
and of saved runs, and each of its parameters a flag of the command line and a widget of the form.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np

from core.errors import ParameterError
from core.schema import SEED_MAX, Param, check_fields, declared, param

#: the k tried by "auto" and by a sweep of k
AUTO_K_RANGE = (2, 15)
DEFAULT_ALGO = "hdbscan"

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
class KParams:
    """The parameters of a clusterer told how many segments to find (KMeans, a mixture)."""

    k: int | str = param("auto", what="k", label="Number of segments (k)", low=2, high=1000, auto=True,
                         help="number of segments, or 'auto' (chosen by the algorithm's criterion)")


@dataclass(frozen=True, init=False)
class ClusterParams:
    """How to cluster: the algorithm, the seed, and the algorithm's own parameters (``options``, complete:
    the ones not given take the defaults its :attr:`Clusterer.Params` declares).

    ``ClusterParams(algo="kmeans", k=6)`` names the algorithm's parameters as keywords; a name the
    algorithm does not declare is refused.
    """

    algo: str = param(DEFAULT_ALGO, what="The algorithm", label="Algorithm", kind=str, choices=algorithms,
                      help="clustering algorithm")
    options: tuple[tuple[str, Any], ...] = ()
    seed: int = param(0, what="The seed", label="Seed", low=0, high=SEED_MAX,
                      help="random seed: the same seed gives the same result")

    def __init__(self, algo: str = DEFAULT_ALGO, seed: int = 0,
                 options: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), **own: Any) -> None:
        declared(ClusterParams)["algo"].check(algo)
        clusterer = CLUSTERERS[algo]
        given: dict[str, Any] = dict(options)
        given.update(own)
        unknown = sorted(set(given) - set(clusterer.parameters()))
        if unknown:
            raise ParameterError(f"{clusterer.label} has no parameter {unknown[0]!r}; its parameters are "
                                 f"{', '.join(clusterer.parameters()) or 'none'}.")
        object.__setattr__(self, "algo", algo)
        object.__setattr__(self, "options", tuple(asdict(clusterer.Params(**given)).items()))
        object.__setattr__(self, "seed", seed)

    @property
    def settings(self) -> Any:
        """The chosen clusterer's own parameters, as its :attr:`Clusterer.Params`."""
        return CLUSTERERS[self.algo].Params(**dict(self.options))

    def with_options(self, **changes: Any) -> ClusterParams:
        """These parameters with some of the algorithm's own changed."""
        return ClusterParams(self.algo, self.seed, {**dict(self.options), **changes})

    def validate(self, n: int | None = None) -> ClusterParams:
        """Check each parameter alone and, given the number of customers ``n``, against it."""
        check_fields(self)
        check_fields(self.settings)
        CLUSTERERS[self.algo].check(self, n)
        if n is not None and n < 2:
            raise ParameterError("Segmenting needs at least 2 customers.")
        return self

    def as_dict(self) -> dict:
        """The flat form saved in ``run.json``: algo, the algorithm's own parameters, seed."""
        return {"algo": self.algo, **dict(self.options), "seed": self.seed}

    @classmethod
    def from_dict(cls, data: dict) -> ClusterParams:
        """The parameters back from :meth:`as_dict`; the fields the algorithm does not declare are left out
        (runs saved before each clusterer declared its own parameters carry every algorithm's)."""
        algo = data.get("algo", DEFAULT_ALGO)
        declared(ClusterParams)["algo"].check(algo)
        own = {name: data[name] for name in CLUSTERERS[algo].parameters() if name in data}
        return cls(algo, data.get("seed", 0), **own)


class Clusterer(ABC):
    """Labels (-1 = unassigned) and a membership strength in [0, 1] for the points of the reduced space.

    scikit-learn style: the parameters are declared (:attr:`Params`), ``__init__`` stores them,
    :meth:`fit` returns the clusterer, fitted attributes end in ``_``. Labels need not be numbered by
    size; the caller renumbers them.
    """

    name: ClassVar[str]  # the --algo value
    label: ClassVar[str]  # how the form names it
    Params: ClassVar[type[Any]]  # a frozen dataclass: its own parameters, each declared with core.schema.param
    sweep_parameter: ClassVar[str] = "k"  # the parameter a sweep varies
    sweep_criterion: ClassVar[str] = "silhouette"  # "silhouette" or "dbcv": what a sweep recommends by
    sweep_prefers_larger: ClassVar[bool] = False  # ties in a sweep go to the larger (more conservative) value
    finds_outliers: ClassVar[bool] = False  # whether it leaves customers unassigned

    labels_: np.ndarray
    membership_: np.ndarray
    k_scores_: dict[int, float]  # silhouette per k, when k was chosen by silhouette
    notices_: list[str]

    def __init__(self, params: ClusterParams) -> None:
        self.params = params
        self.settings = params.settings  # its own parameters, as its Params

    @abstractmethod
    def fit(self, points: np.ndarray) -> Clusterer:
        """Cluster ``points``; seeded and reproducible."""

    @classmethod
    def parameters(cls) -> dict[str, Param]:
        """Its own declared parameters, by name, in declaration order."""
        return declared(cls.Params)

    @classmethod
    def check(cls, params: ClusterParams, n: int | None) -> None:
        """Refuse parameters that cannot work together or on ``n`` customers, when known (one clear sentence)."""
        k = getattr(params.settings, "k", None)
        if n is not None and isinstance(k, int) and k > n:
            raise ParameterError(f"k is {k} but there are only {n} customers; choose k of at most {n}.")

    @classmethod
    def sweep_values(cls, params: ClusterParams, n: int) -> list[int]:
        """The settings of :attr:`sweep_parameter` a sweep tries on ``n`` customers."""
        return list(range(AUTO_K_RANGE[0], min(AUTO_K_RANGE[1], n - 1) + 1))

    @classmethod
    def with_value(cls, params: ClusterParams, value: int) -> ClusterParams:
        """``params`` with :attr:`sweep_parameter` set to ``value``: one setting of a sweep."""
        return params.with_options(**{cls.sweep_parameter: value})

    @classmethod
    def rerun_params(cls, params: ClusterParams, n_segments: int, n: int, size: int) -> ClusterParams | None:
        """The parameters that re-cluster a subsample of ``size`` of the ``n`` customers for stability (the
        segments found so far: ``n_segments``), or None when they cannot run on it."""
        k = max(n_segments, 2)
        return cls.with_value(params, k) if k <= size else None
