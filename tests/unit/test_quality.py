"""Quality figures, stability (planted clusters solid, noise not) and the parameter sweep."""

import json

import numpy as np
import pandas as pd
import pytest

from core.segment.cluster import ClusterParams, cluster
from core.segment.quality import (
    best_match_jaccard,
    segmentation_quality,
    stability,
    sweep,
    verdict,
)
from tests.conftest import blobs


@pytest.mark.parametrize("params",
                         [ClusterParams(algo="kmeans", k=4), ClusterParams(algo="hdbscan", min_cluster_size=15)])
def test_planted_clusters_are_stable(params):
    points, _ = blobs(n_per=80, centres=4)
    labels = cluster(points, params).labels
    result = stability(points, labels, params, runs=3)
    assert result["ari_mean"] > 0.95 and result["runs"] == 3
    assert {s: v["verdict"] for s, v in result["segments"].items()} == {0: "solid", 1: "solid", 2: "solid", 3: "solid"}


def test_pure_noise_is_not_stable():
    points = np.random.default_rng(0).normal(size=(400, 5)).astype(np.float32)
    params = ClusterParams(algo="kmeans", k=4)
    result = stability(points, cluster(points, params).labels, params, runs=3)
    assert result["ari_mean"] < 0.6
    assert np.mean([v["jaccard"] for v in result["segments"].values()]) < 0.75
    assert any(v["verdict"] != "solid" for v in result["segments"].values())


def test_stability_on_a_sample_of_large_inputs():
    points, _ = blobs(n_per=300, centres=3)
    params = ClusterParams(algo="kmeans", k=3)
    result = stability(points, cluster(points, params).labels, params, runs=2, sample=300)
    assert result["sample"] == 300 and result["ari_min"] > 0.95


def test_stability_skipped_without_runs_or_segments():
    points, _ = blobs()
    assert stability(points, np.zeros(len(points), dtype=int), ClusterParams(), runs=0) is None
    assert stability(points, -np.ones(len(points), dtype=int), ClusterParams(), runs=2) is None


def test_best_match_jaccard():
    reference = np.array([0, 0, 0, 0, 1, 1, -1])
    other = np.array([5, 5, 5, 7, 7, 7, 7])
    assert best_match_jaccard(reference, other) == {0: 0.75, 1: 0.5}
    assert best_match_jaccard(reference, -np.ones(7, dtype=int)) == {0: 0.0, 1: 0.0}
    assert [verdict(j) for j in (0.9, 0.6, 0.2)] == ["solid", "fair", "unstable"]


def test_quality_figures_separate_good_from_bad_segmentations():
    points, truth = blobs(n_per=60, centres=3)
    good = segmentation_quality(points, truth)
    bad = segmentation_quality(points, np.random.default_rng(0).integers(0, 3, len(points)))
    assert good["n_segments"] == 3 and good["outlier_share"] == 0
    assert good["silhouette"] > 0.9 and good["dbcv"] > 0.8 and good["davies_bouldin"] < 0.2
    assert bad["silhouette"] < 0.1 and bad["dbcv"] < good["dbcv"]
    assert set(good["segments"]) == {0, 1, 2} and all(s["silhouette"] > 0.9 for s in good["segments"].values())


def test_quality_with_outliers_and_a_single_segment():
    points, truth = blobs(n_per=60, centres=2)
    labels = np.where(np.arange(len(truth)) % 10 == 0, -1, truth)
    q = segmentation_quality(points, labels)
    assert q["outlier_share"] == pytest.approx(0.1) and q["dbcv"] is not None
    one = segmentation_quality(points, np.zeros(len(points), dtype=int))
    assert one["n_segments"] == 1 and one["silhouette"] is None and one["dbcv"] is None


def test_hdbscan_sweep_charts_settings_and_recommends_one_that_finds_the_segments():
    points, _ = blobs(n_per=60, centres=3)
    result = sweep(points, ClusterParams(algo="hdbscan", min_cluster_size=30))
    rows = {r["value"]: r for r in result["rows"]}
    assert result["parameter"] == "min_cluster_size" and result["criterion"] == "dbcv"
    assert 30 in rows and rows[75]["n_segments"] == 0 and rows[75]["outlier_share"] == 1.0
    assert rows[result["recommended"]]["n_segments"] == 3


def test_kmeans_sweep_recommends_the_planted_k():
    points, _ = blobs(n_per=30, centres=4)
    result = sweep(points, ClusterParams(algo="kmeans"), values=[2, 3, 4, 5, 6])
    assert [r["value"] for r in result["rows"]] == [2, 3, 4, 5, 6] and result["recommended"] == 4
    assert all(r["dbcv"] is None for r in result["rows"])


@pytest.mark.slow
def test_pipeline_writes_quality_and_stability(planted_csv, workspace, tmp_path, capsys):
    from core.cli import main

    out = tmp_path / "out"
    assert main(["segment", str(planted_csv), "--out", str(out), "--workspace", str(workspace), "--embedder", "lexical",
                 "--algo", "kmeans", "--k", "3", "--neighbors", "10", "--stability-runs", "2", "--quiet"]) == 0
    run = json.loads((out / "run.json").read_text())
    q = run["quality"]
    assert q["n_segments"] == 3 and q["dbcv"] > 0.5 and q["stability"]["runs"] == 2
    assert q["stability"]["ari_mean"] > 0.9 and set(q["seconds"]) == {"profiles", "quality", "stability"}
    assert run["parameters"]["stability_runs"] == 2
    profiles = json.loads((out / "profiles.json").read_text())
    assert all(p["quality"]["verdict"] == "solid" and p["quality"]["silhouette"] > 0.5 for p in profiles)
    assert "stability ARI 1.00" in capsys.readouterr().out


@pytest.mark.slow
def test_sweep_command_writes_its_table(planted_csv, workspace, tmp_path, capsys):
    from core.cli import main

    out = tmp_path / "sweep"
    assert main(["sweep", str(planted_csv), "--out", str(out), "--workspace", str(workspace), "--embedder", "lexical",
                 "--neighbors", "10", "--values", "10,20,30", "--quiet"]) == 0
    table = pd.read_csv(out / "sweep.csv", encoding="utf-8-sig")
    assert table["value"].tolist() == [10, 20, 30]
    found = json.loads((out / "sweep.json").read_text())
    assert found["recommended"] in (10, 20, 30)
    assert f"recommended: --min-cluster-size {found['recommended']}" in capsys.readouterr().out


def test_bad_stability_runs_are_refused(planted_csv, tmp_path, capsys):
    from core.cli import main

    assert main(["segment", str(planted_csv), "--out", str(tmp_path / "o"), "--stability-runs", "-1"]) == 2
    assert capsys.readouterr().err.startswith("error: The number of stability runs")


def test_segments_too_small_for_the_sample_get_no_stability_figure():
    points, truth = blobs(n_per=300, centres=3)
    small = np.random.default_rng(1).normal(100, 0.5, size=(12, points.shape[1])).astype(np.float32)
    points, labels = np.vstack([points, small]), np.concatenate([truth, np.full(12, 3)])
    result = stability(points, labels, ClusterParams(algo="kmeans", k=4), runs=2, sample=300)
    assert result["segments"][3] == {"jaccard": None, "verdict": None}
    assert all(result["segments"][s]["verdict"] == "solid" for s in (0, 1, 2))
