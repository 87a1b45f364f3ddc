"""Numba's on-disk cache for UMAP and pynndescent, so only the first process on a machine compiles them."""

from __future__ import annotations

import sys
import threading

_PACKAGES = ("umap", "pynndescent")
_lock = threading.Lock()  # the warm-up thread and a run's reduce stage may both call it


def enable_numba_cache() -> int:
    """Turn on numba's disk cache for every jitted function of UMAP and pynndescent; returns how many."""
    from core.segment.numba_defer import import_pynndescent

    import_pynndescent()  # first, so that umap's import of it compiles nothing yet
    import umap.umap_  # noqa: F401
    from numba.core.dispatcher import Dispatcher

    enabled = 0
    with _lock:
        for name, module in list(sys.modules.items()):
            if module is None or name.split(".")[0] not in _PACKAGES:
                continue
            for obj in list(vars(module).values()):
                # _cache is private (numba's stub leaves it out), hence getattr
                if isinstance(obj, Dispatcher) and type(getattr(obj, "_cache", None)).__name__ == "NullCache":
                    obj.enable_caching()
                    enabled += 1
    return enabled
