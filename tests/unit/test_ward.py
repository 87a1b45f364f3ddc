"""Agglomerative Ward: k given or chosen by silhouette, or a distance threshold; refused past its row limit."""

import pytest
from sklearn.metrics import adjusted_rand_score

from core.cli import build_parser
from core.cli.options import params_from_args
from core.errors import ParameterError
from core.segment.cluster import ClusterParams, cluster
from core.segment.clusterers import ward
from core.segment.quality import stability, sweep
from tests.conftest import blobs


def test_ward_finds_the_planted_groups_at_k():
    points, truth = blobs(n_per=40, centres=4)
    found = cluster(points, ClusterParams(algo="ward", k=4))
    assert found.n_segments == 4 and adjusted_rand_score(truth, found.labels) == 1.0
    assert (found.labels >= 0).all() and found.membership.min() >= 0 and found.membership.max() <= 1


def test_ward_auto_chooses_k_by_silhouette_and_says_so():
    points, truth = blobs(n_per=30, centres=3, seed=1)
    found = cluster(points, ClusterParams(algo="ward"))
    assert found.n_segments == 3 and adjusted_rand_score(truth, found.labels) == 1.0
    assert max(found.k_scores, key=found.k_scores.__getitem__) == 3 and "Chose k = 3" in found.notices[0]


def test_the_distance_threshold_cuts_the_tree_instead_of_k():
    points, truth = blobs(n_per=30, centres=3, seed=2)  # blobs 10 apart, spread 0.5
    apart = cluster(points, ClusterParams(algo="ward", distance_threshold=30.0))
    assert apart.n_segments == 3 and adjusted_rand_score(truth, apart.labels) == 1.0
    assert cluster(points, ClusterParams(algo="ward", distance_threshold=1e5)).n_segments == 1
    assert cluster(points, ClusterParams(algo="ward", distance_threshold=0.5)).n_segments > 3


def test_a_sweep_and_stability_cut_at_k_even_with_a_threshold():
    points, _ = blobs(n_per=30, centres=3, seed=3)
    params = ClusterParams(algo="ward", distance_threshold=30.0)
    found = sweep(points, params, values=[2, 3, 4])
    assert found["parameter"] == "k" and found["recommended"] == 3
    labels = cluster(points, params).labels
    assert stability(points, labels, params, runs=2)["ari_mean"] > 0.9


def test_the_command_line_sets_the_distance_threshold():
    args = build_parser().parse_args(["segment", "t.csv", "--out", "o", "--algo", "ward",
                                      "--distance-threshold", "2.5", "--min-cluster-size", "7"])
    params = params_from_args(args).validate()
    assert params.cluster.as_dict() == {"algo": "ward", "k": "auto", "distance_threshold": 2.5, "seed": 0}


@pytest.mark.parametrize("own, match", [
    ({"k": 3, "distance_threshold": 2.0}, "not both"),
    ({"distance_threshold": 0.0}, "distance threshold must be"),
    ({"distance_threshold": "far"}, "distance threshold must be"),
    ({"k": 1}, "k must be"),
    ({"k": 200}, "only 90 customers"),
    ({"min_cluster_size": 5}, "has no parameter 'min_cluster_size'"),
])
def test_bad_ward_parameters_are_refused(own, match):
    points, _ = blobs(n_per=30, centres=3)
    with pytest.raises(ParameterError, match=match):
        cluster(points, ClusterParams(algo="ward", **own))


def test_more_rows_than_ward_takes_are_refused_in_one_sentence(monkeypatch):
    monkeypatch.setattr(ward, "MAX_ROWS", 50)
    points, _ = blobs(n_per=30, centres=3)
    with pytest.raises(ParameterError, match="at most 50 customers, not 90; use KMeans or HDBSCAN"):
        cluster(points, ClusterParams(algo="ward", k=3))
    assert cluster(points[:50], ClusterParams(algo="ward", k=2)).n_segments == 2
