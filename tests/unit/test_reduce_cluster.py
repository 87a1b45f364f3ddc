import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from core.errors import ParameterError
from core.segment.cluster import ClusterParams, cluster, relabel_by_size
from core.segment.reduce import ReduceParams, reduce
from tests.conftest import blobs


@pytest.mark.parametrize("kwargs", [
    {"n_components": 0}, {"n_neighbors": 1}, {"min_dist": 2.0}, {"metric": "chebyshev"},
    {"max_fit_rows": 10}, {"seed": -1}, {"n_epochs": -1}, {"n_epochs": 5000},
])
def test_reduce_params_are_validated(kwargs):
    with pytest.raises(ParameterError):
        ReduceParams(**kwargs).validate()


@pytest.mark.parametrize("kwargs", [
    {"algo": "dbscan"}, {"algo": "kmeans", "k": 1}, {"algo": "gmm", "k": "many"}, {"min_cluster_size": 1},
    {"min_samples": 0}, {"reassign_outliers": "yes"}, {"seed": -3},
    {"k": 3},  # HDBSCAN (the default) has no k
])
def test_cluster_params_are_validated(kwargs):
    with pytest.raises(ParameterError):
        ClusterParams(**kwargs).validate()


def test_k_larger_than_n_is_refused():
    with pytest.raises(ParameterError, match="only 5 customers"):
        cluster(np.zeros((5, 2)), ClusterParams(algo="kmeans", k=8))


def test_min_cluster_size_larger_than_n_is_refused():
    with pytest.raises(ParameterError, match="only 5 customers"):
        cluster(np.zeros((5, 2)), ClusterParams(algo="hdbscan", min_cluster_size=10))


def test_tiny_input_uses_pca():
    points = np.random.default_rng(0).normal(size=(4, 10)).astype(np.float32)
    coords, notices = reduce(points, ReduceParams(n_components=5))
    assert coords.shape == (4, 5) and "PCA" in notices[0]


def test_umap_is_seeded_and_guards_neighbours():
    points, _ = blobs(n_per=8, centres=2, dim=10)
    a, notices = reduce(points, ReduceParams(n_components=2, n_neighbors=30, seed=1))
    b, _ = reduce(points, ReduceParams(n_components=2, n_neighbors=30, seed=1))
    assert a.shape == (16, 2) and np.allclose(a, b)
    assert any("n_neighbors lowered to 15" in n for n in notices)


def test_epochs_are_passed_to_umap_and_old_runs_keep_umaps_own_choice(monkeypatch):
    import umap

    from core.parameters import SegmentParams

    seen = []
    real = umap.UMAP.__init__

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("n_epochs"))
        real(self, *args, **kwargs)

    monkeypatch.setattr(umap.UMAP, "__init__", spy)
    points, _ = blobs(n_per=20, centres=2, dim=6)
    reduce(points, ReduceParams(n_components=2))
    reduce(points, ReduceParams(n_components=2, n_epochs=0))
    assert seen == [200, None]  # the default; 0 leaves UMAP its own (500 up to 10,000 rows)
    old_run = SegmentParams().as_dict()
    for name in ("reduce", "map"):
        del old_run[name]["n_epochs"]  # a run.json from before the parameter
    assert SegmentParams.from_dict(old_run).reduce.n_epochs == 0
    assert SegmentParams.from_dict(SegmentParams().as_dict()).map.n_epochs == 200


def test_umap_fits_on_sample_and_transforms_rest():
    points, truth = blobs(n_per=80, centres=3, dim=8)
    coords, notices = reduce(points, ReduceParams(n_components=2, max_fit_rows=100, seed=0))
    assert coords.shape == (240, 2) and any("sample of 100" in n for n in notices)
    labels = cluster(coords, ClusterParams(algo="kmeans", k=3)).labels
    assert adjusted_rand_score(truth, labels) > 0.9


def test_kmeans_recovers_blobs_and_is_reproducible():
    points, truth = blobs()
    a = cluster(points, ClusterParams(algo="kmeans", k=3, seed=4))
    b = cluster(points, ClusterParams(algo="kmeans", k=3, seed=4))
    assert adjusted_rand_score(truth, a.labels) == 1.0
    assert (a.labels == b.labels).all() and ((a.membership >= 0) & (a.membership <= 1)).all()


def test_kmeans_auto_chooses_k_by_silhouette():
    points, _ = blobs(centres=4)
    result = cluster(points, ClusterParams(algo="kmeans", k="auto"))
    assert result.n_segments == 4 and max(result.k_scores, key=result.k_scores.get) == 4


def test_hdbscan_finds_blobs_and_marks_outliers():
    points, truth = blobs()
    points = np.vstack([points, [[100.0] * 5, [-100.0] * 5]]).astype(np.float32)
    result = cluster(points, ClusterParams(algo="hdbscan", min_cluster_size=10))
    assert result.n_segments == 3
    assert (result.labels[-2:] == -1).all()
    assert adjusted_rand_score(truth, result.labels[:-2]) == 1.0
    reassigned = cluster(points, ClusterParams(algo="hdbscan", min_cluster_size=10, reassign_outliers=True))
    assert (reassigned.labels >= 0).all()


def test_relabel_by_size_orders_largest_first():
    assert relabel_by_size(np.array([5, 5, 2, -1, 2, 2])).tolist() == [1, 1, 0, -1, 0, 0]


def test_hdbscan_min_samples_default_is_lowered_to_fit_the_memory_budget(monkeypatch):
    import hdbscan

    import core.segment.clusterers.hdbscan as cluster_module

    points, _ = blobs()
    n = len(points)
    monkeypatch.setattr(cluster_module, "NEIGHBOUR_TABLE_BUDGET", 16 * n * 13)  # room for min_samples 12
    seen = []
    real = hdbscan.HDBSCAN

    def spy(**kwargs):
        seen.append(kwargs["min_samples"])
        return real(**kwargs)

    monkeypatch.setattr(hdbscan, "HDBSCAN", spy)
    capped = cluster(points, ClusterParams(algo="hdbscan", min_cluster_size=40))
    assert seen == [12] and any("min_samples was set to 12" in n for n in capped.notices)
    explicit = cluster(points, ClusterParams(algo="hdbscan", min_cluster_size=40, min_samples=12))
    assert (capped.labels == explicit.labels).all() and not explicit.notices
    fits = cluster(points, ClusterParams(algo="hdbscan", min_cluster_size=10))
    assert seen[-1] == 10 and not fits.notices  # within the budget the default is the minimum size
    with pytest.raises(ParameterError, match="choose at most 12"):
        cluster(points, ClusterParams(algo="hdbscan", min_cluster_size=10, min_samples=13))


def test_reassigned_outliers_get_their_centrality_as_membership():
    from core.segment.geometry import reassign_to_nearest

    points = np.array([[0, 1], [0, -1], [1, 0], [-1, 0], [10, 10], [11, 10], [0, 0], [10.5, 13], [40, 40]], dtype=float)
    labels = np.array([0, 0, 0, 0, 1, 1, -1, -1, -1])
    membership = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0], dtype=np.float32)
    new_labels, new_membership = reassign_to_nearest(points, labels, membership)
    assert new_labels.tolist() == [0, 0, 0, 0, 1, 1, 0, 1, 1]
    assert new_membership[6] == 1.0  # at its segment's centre: every member is farther out
    assert new_membership[7] == 0.0 and new_membership[8] == 0.0  # beyond every member
    assert labels[6] == -1 and membership[6] == 0  # inputs untouched
