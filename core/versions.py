"""The versions of Python and of the libraries that decide a result: part of every cache key."""

from __future__ import annotations

import platform
from importlib import metadata

_VERSIONED = ("numpy", "scipy", "scikit-learn", "umap-learn", "hdbscan", "sentence-transformers", "torch", "pandas")


def library_versions(names: tuple[str, ...] = _VERSIONED) -> dict[str, str]:
    """Python's version and the installed version of each package in ``names``."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
