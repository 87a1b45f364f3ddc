"""HDBSCAN: density-based segments of at least a minimum size; the rest unassigned (-1) unless reassigned."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from core.errors import ParameterError
from core.schema import param
from core.segment.clusterers.base import Clusterer, ClusterParams, register
from core.segment.geometry import reassign_to_nearest

#: the sizes a sweep tries (up to half the customers), with the run's own
SWEEP_SIZES = (5, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300)
#: a stability re-run's minimum size never goes below this: smaller ones shatter big segments
MIN_RERUN_SIZE = 10
#: bytes allowed for HDBSCAN's neighbour table: n × (min_samples + 1) distances and indices, 8 bytes each
NEIGHBOUR_TABLE_BUDGET = 1 << 30


@dataclass(frozen=True)
class HDBSCANParams:
    """HDBSCAN's own parameters."""

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


def _table_bytes(n: int, min_samples: int) -> int:
    return n * (min_samples + 1) * 16


def max_min_samples(n: int) -> int:
    """The largest HDBSCAN ``min_samples`` whose neighbour table for ``n`` points fits the memory budget."""
    return max(1, NEIGHBOUR_TABLE_BUDGET // (16 * max(n, 1)) - 1)


def hdbscan_min_samples(params: HDBSCANParams, n: int) -> tuple[int, str | None]:
    """HDBSCAN's ``min_samples`` for ``n`` points, and a notice when the default had to be lowered.

    The default follows the minimum segment size (HDBSCAN's own default) while its neighbour table
    fits :data:`NEIGHBOUR_TABLE_BUDGET`; beyond, it is the largest value that fits. An explicit value
    over the budget is refused by :meth:`HDBSCANClusterer.check`.
    """
    if params.min_samples is not None:
        return params.min_samples, None
    cap = max_min_samples(n)
    if params.min_cluster_size <= cap:
        return params.min_cluster_size, None
    return cap, (f"HDBSCAN's min_samples was set to {cap:,} rather than the minimum segment size "
                 f"({params.min_cluster_size:,}), to keep its neighbour table for {n:,} customers within "
                 f"{NEIGHBOUR_TABLE_BUDGET / 2**30:.0f} GiB of memory.")


@register
class HDBSCANClusterer(Clusterer):
    """HDBSCAN; membership is its probability (0 for outliers), or how central a reassigned outlier is."""

    name = "hdbscan"
    label = "HDBSCAN"
    Params = HDBSCANParams
    sweep_parameter = "min_cluster_size"
    sweep_criterion = "dbcv"
    sweep_prefers_larger = True
    finds_outliers = True

    @classmethod
    def check(cls, params: ClusterParams, n: int | None) -> None:
        own: HDBSCANParams = params.settings
        if n is None:
            return
        if own.min_cluster_size > n:
            raise ParameterError(
                f"The minimum segment size is {own.min_cluster_size} but there are only {n} customers; "
                f"choose at most {n} or use KMeans."
            )
        if own.min_samples is not None and own.min_samples > max_min_samples(n):
            raise ParameterError(
                f"min_samples {own.min_samples:,} on {n:,} customers would need "
                f"{_table_bytes(n, own.min_samples) / 2**30:.1f} GiB for HDBSCAN's neighbour table; choose at "
                f"most {max_min_samples(n):,}, or leave it empty."
            )

    def fit(self, points: np.ndarray) -> HDBSCANClusterer:
        import hdbscan

        self.k_scores_, self.notices_ = {}, []
        own: HDBSCANParams = self.settings
        min_samples, notice = hdbscan_min_samples(own, len(points))
        if notice:
            self.notices_.append(notice)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = hdbscan.HDBSCAN(
                min_cluster_size=own.min_cluster_size, min_samples=min_samples, core_dist_n_jobs=1
            ).fit(points)
        labels = model.labels_.astype(np.int32)
        membership = np.nan_to_num(model.probabilities_).astype(np.float32)
        if (labels < 0).all():
            self.notices_.append(
                "HDBSCAN found no segment: every customer is unassigned. Lower the minimum segment size or use KMeans."
            )
        if own.reassign_outliers and (labels < 0).any() and (labels >= 0).any():
            labels, membership = reassign_to_nearest(points, labels, membership)
            self.notices_.append("Unassigned customers were given their nearest segment; their membership says how "
                                 "central they are in it.")
        self.labels_, self.membership_ = labels, membership
        return self

    @classmethod
    def sweep_values(cls, params: ClusterParams, n: int) -> list[int]:
        values = {v for v in SWEEP_SIZES if v <= max(2, n // 2)} | {params.settings.min_cluster_size}
        return sorted(v for v in values if 2 <= v <= n)

    @classmethod
    def rerun_params(cls, params: ClusterParams, n_segments: int, n: int, size: int) -> ClusterParams | None:
        # the same share of customers, but never so small that HDBSCAN shatters the segments
        own: HDBSCANParams = params.settings
        scaled = int(round(own.min_cluster_size * size / n))
        rerun = max(min(own.min_cluster_size, MIN_RERUN_SIZE), scaled)
        return params.with_options(min_cluster_size=rerun) if rerun <= size else None
