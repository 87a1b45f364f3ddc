"""Section 5: cold start — the two UMAPs of 2,000 customers in a fresh process, by state of numba's disk cache.

Each case is a new Python process with ``NUMBA_CACHE_DIR`` pointing at a folder of this run:
empty (everything compiled), then filled by the first case (UMAP's functions loaded from disk,
exact neighbours), then the NN-descent path used beyond 25,000 rows (its functions take functions
as arguments, which numba cannot cache, so they compile in every process — what
``core.segment.warmup.warm_up_in_background`` takes off the critical path).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from bench.common import ROOT, WORK
from bench.report import write_section

CHILD = """
import json, sys, time
start = time.perf_counter()
import numpy as np
from core.segment.reduce import ReduceParams, SharedNeighbours, reduce
matrix = np.random.default_rng(0).standard_normal((2000, 48)).astype(np.float32)
neighbours = SharedNeighbours(matrix, exact_max_rows=int(sys.argv[1]))
imported = time.perf_counter()
reduce(matrix, ReduceParams(n_components=5), neighbours)
reduce(matrix, ReduceParams(n_components=2, min_dist=0.1), neighbours)
print(json.dumps({"import": imported - start, "umaps": time.perf_counter() - imported}))
"""

CASES = (
    ("empty disk cache, exact neighbours (first process on a machine)", 25_000),
    ("disk cache filled, exact neighbours (every later process, < 25k rows)", 25_000),
    ("disk cache filled, NN-descent (> 25k rows, or a search index needed)", 0),
)


def run() -> dict:
    cache = WORK / "numba-cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    results = {}
    for name, exact in CASES:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(exact)], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True)
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    rows = "\n".join(f"| {name} | {r['import']:.1f} | {r['umaps']:.1f} |" for name, r in results.items())
    body = f"""
Command: `.venv/bin/python -m bench.run_all --only coldstart`. A fresh process per row; 2,000 × 48 float32
rows; the clustering UMAP (5-D) and the map UMAP (2-D) sharing one neighbour graph. In the warm case
inside one process the same two UMAPs take a few seconds.

| fresh process | import s | two UMAPs s |
| --- | ---: | ---: |
{rows}

`core.segment.numba_cache.enable_numba_cache` (called by `core.segment.reduce`) turns numba's disk cache on for UMAP's
and pynndescent's jitted functions; below 25,000 rows the neighbour graph is exact (scikit-learn, chunked),
so NN-descent is not compiled at all; the app can call `core.segment.warmup.warm_up_in_background()` at start
so that the NN-descent compilation of the last row happens while the analyst picks a file.
"""
    write_section("coldstart", "5. Cold start (numba compilation)", body)
    return results
