"""Numba's on-disk cache for UMAP and pynndescent, so only the first process on a machine compiles them."""

from __future__ import annotations

import sys

_PACKAGES = ("umap", "pynndescent")


def enable_numba_cache() -> int:
    """Turn on numba's disk cache for every jitted function of UMAP and pynndescent; returns how many."""
    import pynndescent  # noqa: F401 - imported for its jitted functions
    import umap.umap_  # noqa: F401
    from numba.core.dispatcher import Dispatcher

    enabled = 0
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in _PACKAGES:
            continue
        for obj in list(vars(module).values()):
            # _cache is private (numba's stub leaves it out), hence getattr
            if isinstance(obj, Dispatcher) and type(getattr(obj, "_cache", None)).__name__ == "NullCache":
                obj.enable_caching()
                enabled += 1
    return enabled
