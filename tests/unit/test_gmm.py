"""The Gaussian mixture clusterer: reachable by name everywhere, k given or chosen by BIC, soft membership."""

import numpy as np
import pytest

from core.cli import build_parser
from core.errors import ParameterError
from core.segment.cluster import ClusterParams, cluster
from core.segment.quality import stability, sweep


def _blobs(seed: int = 0, per: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [8, 0, 0], [0, 8, 0], [0, 0, 8]], dtype=float)
    truth = np.repeat(np.arange(len(centres)), per)
    return (centres[truth] + rng.normal(0, 1, (len(truth), 3))).astype(np.float32), truth


def test_gmm_finds_the_planted_groups_with_posterior_membership():
    from sklearn.metrics import adjusted_rand_score

    points, truth = _blobs()
    found = cluster(points, ClusterParams(algo="gmm", k=4, seed=1))
    assert found.n_segments == 4 and adjusted_rand_score(truth, found.labels) > 0.95
    assert found.membership.min() >= 0 and found.membership.max() <= 1
    assert (found.labels >= 0).all()  # a mixture assigns everyone


def test_gmm_auto_chooses_k_by_bic_and_says_so():
    points, _ = _blobs(seed=2)
    found = cluster(points, ClusterParams(algo="gmm", k="auto", seed=0))
    assert found.n_segments == 4 and any("BIC" in n for n in found.notices)


def test_a_point_between_two_components_has_low_membership():
    points, _ = _blobs(seed=3)
    between = np.vstack([points, [[4, 0, 0]]]).astype(np.float32)
    found = cluster(between, ClusterParams(algo="gmm", k=4, seed=0))
    assert found.membership[-1] < np.median(found.membership[:-1])


def test_gmm_is_reproducible_and_refuses_k_over_n():
    points, _ = _blobs(seed=4)
    a, b = (cluster(points, ClusterParams(algo="gmm", k=3, seed=7)) for _ in range(2))
    assert np.array_equal(a.labels, b.labels)
    with pytest.raises(ParameterError, match="only 5 customers"):
        cluster(points[:5], ClusterParams(algo="gmm", k=6))


def test_gmm_is_offered_by_the_cli_the_sweep_and_stability():
    args = build_parser().parse_args(["segment", "t.csv", "--out", "o", "--algo", "gmm", "--k", "5"])
    assert args.algo == "gmm" and args.k == 5
    points, _ = _blobs(seed=5)
    found = sweep(points, ClusterParams(algo="gmm", seed=0), values=[2, 3, 4, 5])
    assert found["parameter"] == "k" and found["recommended"] == 4
    labels = cluster(points, ClusterParams(algo="gmm", k=4)).labels
    assert stability(points, labels, ClusterParams(algo="gmm", k=4), runs=2)["ari_mean"] > 0.9
