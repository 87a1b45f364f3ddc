"""Cold start: keep numba's compilation of UMAP and pynndescent off the critical path.

UMAP's jitted functions are not cached on disk by UMAP itself, so every fresh process compiles
them again (tens of seconds, minutes on a busy 2-core machine). :func:`enable_numba_cache` turns
numba's on-disk cache on for them (``NUMBA_CACHE_DIR`` if set, else numba's own choice of folder),
so only the first process on a machine compiles them. NN-descent's functions take functions as
arguments, which numba cannot cache, so every process compiles them again: ``core.reduce`` avoids
them up to 25,000 rows (exact neighbours), and :func:`warm_up_in_background` compiles them in a
daemon thread while the analyst is still choosing a file. docs/BENCHMARKS.md has the figures.
"""

from __future__ import annotations

import sys
import threading
import time
import warnings

_PACKAGES = ("umap", "pynndescent")
_lock = threading.Lock()
_thread: threading.Thread | None = None


def enable_numba_cache() -> int:
    """Turn on numba's disk cache for every jitted function of UMAP and pynndescent; returns how many."""
    import pynndescent  # noqa: F401 - imported for its jitted functions
    import umap  # noqa: F401
    import umap.umap_  # noqa: F401
    from numba.core.dispatcher import Dispatcher

    enabled = 0
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in _PACKAGES:
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, Dispatcher) and type(obj._cache).__name__ == "NullCache":
                obj.enable_caching()
                enabled += 1
    return enabled


def warm_up(rows: int = 300, seed: int = 0, nn_descent: bool = True) -> float:
    """Compile (or load from the disk cache) what a segmentation's UMAPs need; returns the seconds taken.

    ``nn_descent=False`` warms only the exact-neighbour path that inputs up to the exact limit take,
    skipping NN-descent's compilation (about a minute on 2 cores, not cacheable on disk).
    """
    import numpy as np

    from core.reduce import ReduceParams, SharedNeighbours, reduce

    start = time.perf_counter()
    enable_numba_cache()
    matrix = np.random.default_rng(seed).standard_normal((rows, 16)).astype(np.float32)
    neighbours = SharedNeighbours(matrix, exact_max_rows=0 if nn_descent else rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dims, min_dist in ((5, 0.0), (2, 0.1)):  # the clustering space, then the map
            reduce(matrix, ReduceParams(n_components=dims, min_dist=min_dist), neighbours)
    return time.perf_counter() - start


def warm_up_in_background() -> threading.Thread:
    """Start :func:`warm_up` in a daemon thread, once per process; returns the thread."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=warm_up, name="segment-studio-warm-up", daemon=True)
            _thread.start()
        return _thread
