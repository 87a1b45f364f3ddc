"""The assignment vote's neighbour index: built once, exact as the per-block index was, approximate close to it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from core.runs.assign import nearest_vote
from core.runs.neighbours import APPROXIMATE_FROM, ReferenceIndex


@dataclass
class _Reference:
    features: np.ndarray
    labels: np.ndarray
    coords: np.ndarray


def _reference(n: int = 3000, dims: int = 24, seed: int = 0) -> tuple[_Reference, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (6, dims))
    groups = rng.integers(0, 6, n + 1000)
    rows = (centres[groups] + rng.normal(0, 1, (n + 1000, dims))).astype(np.float32)
    return _Reference(rows[:n], groups[:n].astype(np.int64), rows[:n, :2].copy()), rows[n:]


def test_exact_index_built_once_finds_what_a_fresh_index_finds():
    ref, new = _reference()
    index = ReferenceIndex(ref.features)
    assert not index.approximate  # small references are searched exactly
    for block in (new[:300], new[300:]):
        dist, idx = index.kneighbors(block, 15)
        fresh_dist, fresh_idx = NearestNeighbors(n_neighbors=15).fit(ref.features).kneighbors(block)
        assert np.array_equal(idx, fresh_idx) and np.array_equal(dist, fresh_dist)
    assert np.array_equal(nearest_vote(ref, new, 15, index)[0], nearest_vote(ref, new, 15)[0])  # type: ignore[arg-type]


def test_large_references_are_searched_approximately_by_default(monkeypatch):
    import core.runs.neighbours as neighbours

    monkeypatch.setattr(neighbours, "APPROXIMATE_FROM", 100)
    assert ReferenceIndex(_reference(200)[0].features).approximate
    assert APPROXIMATE_FROM >= 20_000  # the demo's and most local runs' references stay exact


@pytest.mark.slow
def test_approximate_vote_gives_nearly_every_customer_the_exact_segment():
    ref, new = _reference(4000, dims=64)
    exact = nearest_vote(ref, new, 15)[0]  # type: ignore[arg-type]
    approx = nearest_vote(ref, new, 15, ReferenceIndex(ref.features, approximate=True))[0]  # type: ignore[arg-type]
    assert (approx == exact).mean() >= 0.99
    training = nearest_vote(ref, ref.features[:500], 15, ReferenceIndex(ref.features, approximate=True))[0]  # type: ignore[arg-type]
    assert np.array_equal(training, ref.labels[:500])  # an identical training customer still decides alone
