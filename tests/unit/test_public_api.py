"""The public API at ``core/__init__.py``, as the README's Python example uses it."""

from dataclasses import replace

import core
from core import ClusterParams, ReduceParams, SegmentParams, assign, load_table, run_segmentation, save_run


def test_segment_save_and_assign_through_the_public_api(planted_csv, workspace):
    params = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=3),
                           reduce=ReduceParams(n_components=3, n_neighbors=10),
                           map=replace(SegmentParams().map, n_neighbors=10))
    result = run_segmentation(load_table(planted_csv), params, workspace=workspace)
    assert result.segments_frame()["segment_id"].nunique() == 3 and len(result.profiles) == 3
    run_id = save_run(result, workspace)
    assigned = assign(run_id, planted_csv, workspace)
    assert (assigned.segments["segment_id"].to_numpy() == result.clustering.labels).all()


def test_the_public_names_are_all_importable():
    assert all(hasattr(core, name) for name in core.__all__)
