from dataclasses import replace

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from core.errors import ParameterError
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams
from tests.conftest import planted_customers

FAKE = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=3, seed=0),
                     reduce=ReduceParams(n_components=3, n_neighbors=10),
                     map=ReduceParams(n_components=2, n_neighbors=10))


def test_pipeline_recovers_planted_groups(planted_csv, workspace):
    result = run_segmentation(load_table(planted_csv), FAKE, workspace)
    truth = result.customers.frame["id"].str.slice(1, 2).astype(int)
    assert adjusted_rand_score(truth, result.clustering.labels) > 0.9
    frame = result.segments_frame()
    assert list(frame.columns) == ["id", "segment_id", "segment_name", "membership", "outlier", "x", "y",
                                   "runner_up", "margin"]
    assert len(frame) == 120 and frame["segment_id"].nunique() == 3
    assert result.run_info["embedding"] == {"model": "fake:32", "embedder": "fake", "backend": "auto", "texts": 120,
                                            "from_cache": 0, "embedded": 120}


def test_changing_clustering_reuses_embeddings_and_reductions(planted_csv, workspace):
    table = load_table(planted_csv)
    run_segmentation(table, FAKE, workspace)
    again = run_segmentation(table, replace(FAKE, cluster=ClusterParams(algo="kmeans", k=4)), workspace)
    stages = again.run_info["stages"]
    assert again.run_info["embedding"]["embedded"] == 0
    assert stages["reduce"]["cache_hit"] and stages["map"]["cache_hit"] and not stages["cluster"]["cache_hit"]
    assert again.quality["n_segments"] == 4


def test_a_recluster_reuses_roles_and_word_counts_and_profiles_as_without_them(planted_csv, workspace, monkeypatch):
    import core.explain.profile
    import core.pipeline
    from core.explain.profile import profile_segments

    table = load_table(planted_csv)
    run_segmentation(table, FAKE, workspace)

    def not_again(*args, **kwargs):
        raise AssertionError("recomputed although the texts and the table did not change")

    monkeypatch.setattr(core.explain.profile, "term_presence", not_again)
    monkeypatch.setattr(core.pipeline, "detect_roles", not_again)
    again = run_segmentation(table, replace(FAKE, cluster=ClusterParams(algo="kmeans", k=4)), workspace)
    monkeypatch.undo()
    fresh = profile_segments(again.customers, again.clustering.labels, again.cluster_space)
    assert [{k: v for k, v in p.items() if k != "quality"} for p in again.profiles] == fresh  # quality added later


def test_a_new_map_reuses_the_clustering_and_its_profiles(planted_csv, workspace, monkeypatch):
    import core.pipeline

    table = load_table(planted_csv)
    first = run_segmentation(table, FAKE, workspace)
    monkeypatch.setattr(core.pipeline, "profile_segments", lambda *a, **k: pytest.fail("profiled again"))
    again = run_segmentation(table, replace(FAKE, map=ReduceParams(n_components=3, n_neighbors=10)), workspace)
    stages = again.run_info["stages"]
    assert stages["cluster"]["cache_hit"] and stages["profile"]["cache_hit"] and not stages["map"]["cache_hit"]
    assert again.profiles == first.profiles and again.quality == first.quality  # the same after a JSON round trip


def test_window_count_is_kept_per_model_and_texts(tmp_path, monkeypatch):
    import core.represent.text
    from core.storage.stage_cache import StageCache

    calls = []
    monkeypatch.setattr(core.represent.text, "window_notices",
                        lambda texts, model: calls.append(model) or [f"{len(texts)}"])
    stages = StageCache(tmp_path)
    assert core.represent.text.cached_window_notices(stages, ["a", "b"], "m") == ["2"]
    assert core.represent.text.cached_window_notices(stages, ["a", "b"], "m") == ["2"] and calls == ["m"]
    core.represent.text.cached_window_notices(stages, ["a", "c"], "m")
    core.represent.text.cached_window_notices(stages, ["a", "b"], "other")
    assert calls == ["m", "m", "other"]


def test_three_dimensional_map(planted_csv, workspace):
    params = replace(FAKE, map=ReduceParams(n_components=3, n_neighbors=10))
    assert "z" in run_segmentation(load_table(planted_csv), params, workspace).segments_frame()


def test_map_must_be_2d_or_3d():
    with pytest.raises(ParameterError, match="2 or 3"):
        replace(FAKE, map=ReduceParams(n_components=4)).validate()


def test_customers_without_text_segment_on_numbers(tmp_path, workspace):
    path = tmp_path / "numbers.csv"
    path.write_text("id,a,b\n" + "".join(f"{i},{i % 2 * 10 + i * 0.01},{(i % 2)}\n" for i in range(40)))
    result = run_segmentation(load_table(path), replace(FAKE, cluster=ClusterParams(algo="kmeans", k=2)), workspace)
    assert result.run_info["embedding"]["model"] is None and result.quality["n_segments"] == 2


def test_customers_without_text_get_average_text_features(tmp_path, workspace):
    frame = planted_customers()
    frame.loc[:9, "review"] = None
    path = tmp_path / "gaps.csv"
    frame.to_csv(path, index=False)
    result = run_segmentation(load_table(path), FAKE, workspace)
    assert any("no text" in n for n in result.notices)
    truth = result.customers.frame["id"].str.slice(1, 2).astype(int).to_numpy()
    labels = result.clustering.labels
    majority = {g: np.bincount(labels[10:][truth[10:] == g]).argmax() for g in range(3)}
    placed = [labels[i] == majority[truth[i]] for i in range(10)]
    assert sum(placed) >= 9  # the ten without text join their group by age, spend and department


def test_parameters_come_back_from_run_json():
    import json

    from core.parameters import SegmentParams
    from core.segment.cluster import ClusterParams

    params = SegmentParams(roles=(("Age", "numeric"),), embedder="fake", allow_pii=("email",),
                           cluster=ClusterParams(algo="kmeans", k=4, seed=3))
    back = SegmentParams.from_dict(json.loads(json.dumps(params.as_dict())))
    assert back == params and back.cluster.settings.k == 4 and back.roles == (("Age", "numeric"),)
    assert SegmentParams.from_dict({"cluster": {"algo": "kmeans"}}).cluster.settings.k == "auto"


def test_the_map_runs_beside_the_clustering_space_and_gives_what_it_gives_alone(planted_csv, workspace):
    from core.segment.reduce import SharedNeighbours, reduce

    result = run_segmentation(load_table(planted_csv), FAKE, workspace)
    assert result.run_info["stages"]["map"]["beside"] == "reduce"
    assert "beside" not in result.run_info["stages"]["reduce"]
    assert result.run_info["versions"]["umap-setup"]
    matrix = result.features.matrix
    np.testing.assert_array_equal(result.map_coords, reduce(matrix, FAKE.map, SharedNeighbours(matrix))[0])
    np.testing.assert_array_equal(result.cluster_space, reduce(matrix, FAKE.reduce, SharedNeighbours(matrix))[0])


def test_a_map_fitted_on_a_sample_waits_for_the_clustering_space(planted_csv, workspace):
    # UMAPs that transform rows query pynndescent's parallel kernels: never two threads at once
    sampled = replace(FAKE, map=replace(FAKE.map, max_fit_rows=100))
    result = run_segmentation(load_table(planted_csv), sampled, workspace)
    assert "beside" not in result.run_info["stages"]["map"] and len(result.map_coords) == 120
