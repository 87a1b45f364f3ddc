"""A stage registered in its own module is reachable everywhere with no other edit: the command line, the
Map form's choices, the sweep and the saved-run/assign path read the registries."""

from dataclasses import replace

import numpy as np
import pytest

from core.cli import build_parser
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.represent.embedders import EMBEDDERS, EmbedderPlugin, embedder_names, register
from core.runs.assign import assign_table, assignment_model, save_model
from core.runs.export import write_outputs
from core.segment.cluster import ClusterParams, cluster
from core.segment.clusterers import CLUSTERERS, Clusterer, KParams
from core.segment.clusterers import register as register_clusterer
from core.segment.quality import sweep
from core.segment.reduce import ReduceParams
from core.testing.fake_embedder import FakeEmbedder


class Upper(FakeEmbedder):
    """The fake embedder reading upper-cased text: a different embedder with its own cache identity."""

    name = "upper"

    def __init__(self) -> None:
        super().__init__()
        self.model_id = "upper:32"

    def encode(self, texts, progress=None):  # type: ignore[no-untyped-def]
        return super().encode([t.upper() for t in texts], progress)


class Halves(Clusterer):
    """Splits the points at the median of the first axis."""

    name = "halves"
    label = "Halves"
    Params = KParams  # declares k, which it ignores

    def fit(self, points: np.ndarray) -> "Halves":
        self.labels_ = (points[:, 0] > np.median(points[:, 0])).astype(np.int32)
        self.membership_ = np.ones(len(points), dtype=np.float32)
        self.k_scores_, self.notices_ = {}, []
        return self


@pytest.fixture
def registered():
    """Upper and Halves registered as their own modules would register them; unregistered after the test."""
    register(EmbedderPlugin("upper", "Upper case", build=lambda choice: (Upper(), [])))
    register_clusterer(Halves)
    yield
    EMBEDDERS.pop("upper", None)
    CLUSTERERS.pop("halves", None)


def test_registered_plugins_are_choices_of_the_cli(registered):
    args = build_parser().parse_args(["segment", "t.csv", "--out", "o", "--embedder", "upper", "--algo", "halves"])
    assert args.embedder == "upper" and args.algo == "halves"
    assert "upper" in embedder_names()


def test_a_registered_clusterer_clusters_and_sweeps(registered):
    points = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    found = cluster(points, ClusterParams(algo="halves"))
    assert found.n_segments == 2 and sorted(np.bincount(found.labels)) == [20, 20]
    assert sweep(points, ClusterParams(algo="halves"), values=[2, 3])["parameter"] == "k"


def test_a_registered_embedder_segments_and_assigns(registered, planted_csv, workspace, tmp_path):
    params = SegmentParams(embedder="upper", cluster=ClusterParams(algo="kmeans", k=3),
                           reduce=ReduceParams(n_components=3, n_neighbors=10),
                           map=replace(SegmentParams().map, n_neighbors=10))
    result = run_segmentation(load_table(planted_csv), params, workspace)
    assert result.run_info["embedding"]["embedder"] == "upper"
    folder = tmp_path / "run"
    save_model(assignment_model(result), folder / "model")
    write_outputs(result.segments_frame(), result.profiles, dict(result.run_info), folder)
    assigned = assign_table(load_table(planted_csv), folder, workspace)
    assert (assigned.segments["segment_id"].to_numpy() == result.clustering.labels).all()
