"""UMAP as the pipeline runs it: numba's disk cache on, and three of umap-learn's steps made cheaper to compile,
independent of what ran before them in the process, and able to run in two threads at once.

- **The fuzzy set's kernels** (``smooth_knn_dist``, ``compute_membership_strengths``) are compiled in numba's
  parallel mode by umap-learn: about 6 of the ~10 CPU-seconds a cold process spends compiling UMAP, for loops that
  take milliseconds at the sizes UMAP fits here. Serial copies of the same source take their place (their own
  functions, so numba's disk cache never mixes them up with the parallel ones), with umap-learn's options less
  ``parallel`` and without its float32 ``locals`` (the parallel build does not apply them inside its loop
  either), so they give the parallel kernels' graph, but for one float32 ULP in the σ of rows held at the
  ``1e-3 × mean distance`` floor (docs/DECISIONS.md, issue 23's third pass).
- **The layout epoch** is compiled without the GIL (``nogil``; the same source and options otherwise, so the
  same machine code), so two UMAPs in two threads use two cores.
- **The spectral initialisation** solves for the graph Laplacian's eigenvectors with LOBPCG from the UMAP's own
  seeded start (umap-learn's own solver above 2M rows) instead of ARPACK, whose random restarts draw from a
  generator shared by the whole process: on tables with repeated rows (a degenerate spectrum) the same UMAP gave
  another layout for every earlier UMAP in the process, and two at once in two threads would race on it.
"""

from __future__ import annotations

import functools
import importlib
import threading
import types
from collections.abc import Callable
from typing import Any

VERSION = "serial-fuzzy-set+lobpcg-1"  # in the reduce stages' cache keys and run.json: bump when results change
_lock = threading.Lock()
_done = False
SUFFIX = "_segment_studio"  # our copies' names: their own entries in numba's disk cache


def _copy(dispatcher: Any, extra: dict[str, Any]) -> Any:
    """A new numba function of ``dispatcher``'s Python source, serial, cached on disk, with ``extra`` options."""
    import numba

    source = dispatcher.py_func
    name = source.__name__ + SUFFIX
    function = types.FunctionType(source.__code__.replace(co_name=name, co_qualname=name), source.__globals__, name,
                                  source.__defaults__, source.__closure__)
    options = {k: v for k, v in dispatcher.targetoptions.items() if k not in ("parallel", "nopython")}
    return numba.njit(function, cache=True, **{**options, **extra})


def _lobpcg(layout: Callable[..., Any]) -> Callable[..., Any]:
    """umap-learn's spectral layout with LOBPCG unless a caller names the method."""

    @functools.wraps(layout)
    def spectral_layout(*args: Any, method: str | None = None, **kwargs: Any) -> Any:
        return layout(*args, method=method or "lobpcg", **kwargs)

    return spectral_layout


#: (umap module, name) → what takes its place, made from umap-learn's own
REPLACEMENTS: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("umap.umap_", "smooth_knn_dist"): functools.partial(_copy, extra={}),
    ("umap.umap_", "compute_membership_strengths"): functools.partial(_copy, extra={}),
    ("umap.layouts", "_nb_optimize_layout_euclidean_single_epoch"): functools.partial(_copy, extra={"nogil": True}),
    ("umap.spectral", "_spectral_layout"): _lobpcg,
}


def prepare_umap() -> None:
    """Turn numba's disk cache on for UMAP and pynndescent and put the copies above in umap-learn's place; once
    per process (later calls return at once). Call before the first UMAP."""
    global _done
    from core.segment.numba_cache import enable_numba_cache

    enable_numba_cache()
    with _lock:
        if _done:
            return
        for (module_name, name), replace in REPLACEMENTS.items():
            module = importlib.import_module(module_name)
            setattr(module, name, replace(getattr(module, name)))
        _done = True
