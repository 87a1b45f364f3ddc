"""UMAP as the pipeline runs it (core.segment.umap_setup): serial fuzzy-set kernels, a layout epoch without the
GIL, a spectral start that does not depend on earlier UMAPs in the process, and two UMAPs in two threads."""

import threading
import warnings

import numpy as np
import pytest

from core.segment.reduce import ReduceParams, SharedNeighbours, fits_whole, reduce
from core.segment.umap_setup import SUFFIX, prepare_umap


def repeated_rows(copies: int = 3, rows: int = 200, seed: int = 1) -> np.ndarray:
    """Each row ``copies`` times: a kNN graph of exact ties, whose Laplacian has repeated eigenvalues."""
    return np.repeat(np.random.default_rng(seed).standard_normal((rows, 8)).astype(np.float32), copies, axis=0)


def test_umap_runs_our_serial_and_gil_free_kernels():
    prepare_umap()
    prepare_umap()  # once per process
    import umap.layouts
    import umap.spectral
    import umap.umap_

    for function in (umap.umap_.smooth_knn_dist, umap.umap_.compute_membership_strengths,
                     umap.layouts._nb_optimize_layout_euclidean_single_epoch):
        assert function.py_func.__name__.endswith(SUFFIX)
        assert not function.targetoptions.get("parallel")
    assert umap.layouts._nb_optimize_layout_euclidean_single_epoch.targetoptions["nogil"]
    assert umap.layouts._nb_optimize_layout_euclidean_single_epoch.targetoptions["fastmath"]  # umap-learn's own
    assert umap.spectral._spectral_layout.__wrapped__.__module__ == "umap.spectral"


def test_the_same_umap_twice_in_one_process_gives_the_same_layout_on_repeated_rows():
    # ARPACK's restarts drew from one generator per process: the second UMAP of these rows was another layout
    matrix = repeated_rows()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = reduce(matrix, ReduceParams(), SharedNeighbours(matrix))[0]
        second = reduce(matrix, ReduceParams(), SharedNeighbours(matrix))[0]
    np.testing.assert_array_equal(first, second)


def test_two_umaps_in_two_threads_give_what_they_give_one_after_the_other():
    matrix = repeated_rows(copies=2, rows=300, seed=4)
    params = (ReduceParams(n_components=3), ReduceParams(n_components=2, min_dist=0.1, seed=7))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = [reduce(matrix, p, SharedNeighbours(matrix))[0] for p in params]
        shared = SharedNeighbours(matrix)
        together: list[np.ndarray | None] = [None, None]

        def run(i: int) -> None:
            together[i] = reduce(matrix, params[i], shared)[0]

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for a, b in zip(alone, together):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("rows", "whole"), [(100, True), (101, False)])
def test_fits_whole(rows, whole):
    assert fits_whole(rows, ReduceParams(max_fit_rows=100)) is whole
