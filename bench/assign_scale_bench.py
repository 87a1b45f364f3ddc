"""Assignment at scale: the neighbour vote over a large reference, exact against approximate.

A 20,000-row reference (the fitting sample a Ray run keeps) and 100,000 new customers, one thread (what one
assignment actor per core gets), blocks of 4,096 rows as Ray hands them to an actor:

* **rebuilt per block**: the vote as it was, a ``NearestNeighbors`` fitted for every block;
* **exact, built once**: one index per actor (:class:`core.runs.neighbours.ReferenceIndex`), queried per block;
* **approximate**: pynndescent's NN-descent graph, built once per actor, queried per block.

Two kinds of features: text-like (384 dimensions on a 16-dimensional manifold with 8 overlapping groups, plus 6
numbers) and numbers only (12). Segments are KMeans (k=8) on the reference. Agreement: the share of customers
the approximate vote gives the exact vote's segment. Run: ``.venv/bin/python -m bench.assign_scale_bench``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from bench.report import write_section
from core.runs.assign import DEFAULT_K, nearest_vote
from core.runs.neighbours import ReferenceIndex

BLOCK = 4096


@dataclass
class Reference:
    """The slice of an assignment model the vote reads."""

    features: np.ndarray
    labels: np.ndarray
    coords: np.ndarray


def features(n: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    """``n`` customers' feature rows of ``kind`` ("text" or "numbers"), drawn from one fixed mixture."""
    mix = np.random.default_rng(7)  # the same groups and projection for reference and customers
    if kind == "numbers":
        centres = mix.normal(0, 1.5, (8, 12))
        return (centres[rng.integers(0, 8, n)] + rng.normal(0, 1, (n, 12))).astype(np.float32)
    centres, project = mix.normal(0, 1.2, (8, 16)), mix.normal(0, 1, (16, 384))
    latent = centres[rng.integers(0, 8, n)] + rng.normal(0, 1, (n, 16))
    text = latent @ project + rng.normal(0, 2, (n, 384))
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    numbers = 0.3 * (latent[:, :6] + rng.normal(0, 1, (n, 6)))
    return np.hstack([text, numbers]).astype(np.float32)


def rebuilt_per_block(ref: Reference, matrix: np.ndarray, k: int) -> np.ndarray:
    """The old vote's neighbour search: an index fitted for every block."""
    out = []
    for start in range(0, len(matrix), BLOCK):
        index = NearestNeighbors(n_neighbors=k).fit(ref.features)
        out.append(index.kneighbors(matrix[start : start + BLOCK])[1])
    return np.vstack(out)


def per_block(ref: Reference, matrix: np.ndarray, index: ReferenceIndex, k: int) -> np.ndarray:
    return np.concatenate([nearest_vote(ref, matrix[s : s + BLOCK], k, index)[0]  # type: ignore[arg-type]
                           for s in range(0, len(matrix), BLOCK)])


def measure(kind: str, n_ref: int, n_new: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    reference = features(n_ref, kind, rng)
    labels = KMeans(8, n_init=3, random_state=0).fit_predict(reference)
    ref = Reference(reference, labels.astype(np.int64), rng.normal(size=(n_ref, 2)).astype(np.float32))
    new = features(n_new, kind, rng)
    figures: dict[str, float] = {}
    start = time.perf_counter()
    rebuilt_per_block(ref, new, DEFAULT_K)
    figures["rebuilt"] = time.perf_counter() - start
    start = time.perf_counter()
    exact_index = ReferenceIndex(ref.features, approximate=False)
    figures["exact_build"] = time.perf_counter() - start
    exact = per_block(ref, new, exact_index, DEFAULT_K)
    figures["exact"] = time.perf_counter() - start
    start = time.perf_counter()
    approx_index = ReferenceIndex(ref.features, approximate=True)
    figures["approx_build"] = time.perf_counter() - start
    approx = per_block(ref, new, approx_index, DEFAULT_K)
    figures["approx"] = time.perf_counter() - start
    figures["agreement"] = float((approx == exact).mean())
    return figures


def run(n_ref: int = 20_000, n_new: int = 100_000) -> dict:
    load = os.getloadavg()
    ReferenceIndex(features(2_000, "numbers", np.random.default_rng(1)), approximate=True)  # numba compiles once
    with threadpool_limits(1):
        results = {kind: measure(kind, n_ref, n_new) for kind in ("text", "numbers")}
    rows = "\n".join(
        f"| {kind} ({'390' if kind == 'text' else '12'} dims) | {f['rebuilt']:.1f} | {f['exact']:.1f} "
        f"({f['exact_build']:.2f} build) | {f['approx']:.1f} ({f['approx_build']:.1f} build) | "
        f"{n_new / (f['approx'] - f['approx_build']):,.0f} vs {n_new / (f['exact'] - f['exact_build']):,.0f} | "
        f"**{f['agreement']:.2%}** |"
        for kind, f in results.items())
    body = f"""
Command: `.venv/bin/python -m bench.assign_scale_bench`. A {n_ref:,}-row reference (segments: KMeans k=8 on it),
{n_new:,} new customers from the same mixture, the vote of the {DEFAULT_K} nearest, blocks of {BLOCK:,} rows,
**one thread** (what each assignment actor gets: one actor per CPU core). Load average {load[0]:.1f} at the start.

| features | rebuilt per block, s | exact index built once, s | approximate (NN-descent), s | \
customers/s once built, approximate vs exact | same segment as exact |
| --- | ---: | ---: | ---: | ---: | ---: |
{rows}

Each Ray assignment actor now builds its index once (`AssignBatches.__init__`) and queries it per block.
`ReferenceIndex` searches exactly below {50_000:,} reference rows and approximately from there (the Ray
engine's default fitting sample is 200,000 rows). pynndescent's compilation (numba, cached on disk) is left
out of the build times; a fresh install pays it once.
"""
    write_section("assign_scale", "Assignment at scale: exact against approximate neighbours", body)
    return results


if __name__ == "__main__":
    print(run())
