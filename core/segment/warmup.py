"""Cold start: keep numba's compilation of UMAP and pynndescent off the critical path.

UMAP's jitted functions are not cached on disk by UMAP itself, so every fresh process compiles
them again (tens of seconds, minutes on a busy 2-core machine). :func:`~core.segment.numba_cache.enable_numba_cache`
turns numba's on-disk cache on for them (``NUMBA_CACHE_DIR`` if set, else numba's own choice of folder),
so only the first process on a machine compiles them; :func:`~core.segment.numba_defer.import_pynndescent`
keeps pynndescent's import from compiling its ~100 eagerly typed functions until one is used. NN-descent's
functions take functions as arguments, which numba cannot cache, so every process compiles them again:
``core.segment.reduce`` avoids them up to 25,000 rows (exact neighbours), and :func:`warm_up_in_background`
compiles them in a daemon thread while the analyst is still choosing a file. docs/BENCHMARKS.md has the figures.
"""

from __future__ import annotations

import threading
import time
import warnings

_lock = threading.Lock()
_thread: threading.Thread | None = None


def warm_up(rows: int = 300, seed: int = 0, nn_descent: bool = True) -> float:
    """Compile (or load from the disk cache) what a segmentation's UMAPs need; returns the seconds taken.

    ``nn_descent=False`` warms only the exact-neighbour path that inputs up to the exact limit take,
    skipping NN-descent's compilation (about a minute on 2 cores, not cacheable on disk).
    """
    import numpy as np

    from core.segment.reduce import ReduceParams, SharedNeighbours, reduce
    from core.segment.umap_setup import prepare_umap

    start = time.perf_counter()
    prepare_umap()
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
