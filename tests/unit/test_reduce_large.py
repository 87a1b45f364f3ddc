"""Large-input reduction: one shared neighbour graph, fitting on a sample, no N×N matrix, float32."""

from __future__ import annotations

import numpy as np
import pytest
import umap.umap_
from sklearn.neighbors import NearestNeighbors

from core.segment.reduce import ReduceParams, SharedNeighbours, reduce
from tests.conftest import blobs


@pytest.fixture
def no_dense_distances(monkeypatch):
    """Make UMAP's small-data path (an N×N distance matrix) fail loudly."""
    def refuse(*args, **kwargs):
        raise AssertionError("an N×N distance matrix was computed")

    monkeypatch.setattr(umap.umap_, "pairwise_distances", refuse)


def test_cluster_space_and_map_share_one_neighbour_graph(monkeypatch, no_dense_distances):
    points, truth = blobs(n_per=60, centres=3, dim=8)
    calls = []
    real = NearestNeighbors.kneighbors
    monkeypatch.setattr(NearestNeighbors, "kneighbors", lambda *a, **k: calls.append(1) or real(*a, **k))
    neighbours = SharedNeighbours(points)
    space, _ = reduce(points, ReduceParams(n_components=5), neighbours)
    coords, _ = reduce(points, ReduceParams(n_components=2, min_dist=0.1), neighbours)
    assert len(calls) == 1
    assert space.shape == (180, 5) and coords.shape == (180, 2)
    assert space.dtype == coords.dtype == np.float32
    centres = np.array([coords[truth == g].mean(axis=0) for g in range(3)])
    spread = max(np.linalg.norm(coords[truth == g] - centres[g], axis=1).mean() for g in range(3))
    assert min(np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a)) > 2 * spread


def test_exact_graph_lists_each_row_first_and_matches_brute_force():
    points, _ = blobs(n_per=40, centres=2, dim=5)
    graph = SharedNeighbours(points).graph(ReduceParams(), 6)
    assert graph.indices.dtype == np.int32 and graph.distances.dtype == np.float32 and graph.search_index is None
    assert (graph.indices[:, 0] == np.arange(80)).all()
    brute = np.sort(np.linalg.norm(points[:, None] - points[None], axis=2), axis=1)[:, :6]
    assert np.allclose(graph.distances, brute, atol=1e-4)


def test_a_different_neighbour_count_gets_its_own_graph():
    points, _ = blobs(n_per=30, centres=2, dim=4)
    neighbours = SharedNeighbours(points)
    reduce(points, ReduceParams(n_components=2, n_neighbors=10), neighbours)
    reduce(points, ReduceParams(n_components=2, n_neighbors=5), neighbours)
    assert len(neighbours._graphs) == 2


@pytest.mark.slow
def test_large_input_is_fitted_on_a_sample_and_every_row_is_placed(no_dense_distances):
    points, truth = blobs(n_per=200, centres=3, dim=6)
    params = ReduceParams(n_components=2, max_fit_rows=150, seed=3)
    coords, notices = reduce(points, params, SharedNeighbours(points))
    assert coords.shape == (600, 2) and coords.dtype == np.float32 and np.isfinite(coords).all()
    assert any("sample of 150" in n for n in notices)
    centres = np.array([coords[truth == g].mean(axis=0) for g in range(3)])
    nearest = np.argmin(np.linalg.norm(coords[:, None, :] - centres[None], axis=2), axis=1)
    assert (nearest == truth).mean() > 0.95  # rows transformed onto the fitted sample land in their blob
