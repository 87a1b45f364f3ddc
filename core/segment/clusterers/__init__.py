"""Clusterers, one module each (see :mod:`core.segment.clusterers.base`). Each import below registers one."""

from core.segment.clusterers import gmm, hdbscan, kmeans, ward  # noqa: F401  (the registry: one line per clusterer)
from core.segment.clusterers.base import (
    AUTO_K_RANGE,
    CLUSTERERS,
    Clusterer,
    ClusterParams,
    KParams,
    register,
)

__all__ = ["AUTO_K_RANGE", "CLUSTERERS", "ClusterParams", "Clusterer", "KParams", "register"]
