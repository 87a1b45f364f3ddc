"""Mixed-language customers segment by topic, not by language (the real multilingual model)."""

import pytest
from sklearn.metrics import adjusted_rand_score

from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.assign import assign_table, assignment_model, save_model
from core.runs.export import write_outputs
from core.segment.cluster import ClusterParams
from core.testing.bilingual import bilingual_reviews


@pytest.mark.slow
def test_half_chinese_half_english_segments_by_topic_and_assigns(tmp_path):
    frame = bilingual_reviews(per_topic_language=30, seed=0)
    path = tmp_path / "bilingual.csv"
    frame[["id", "review"]].to_csv(path, index=False)
    workspace = tmp_path / "ws"
    result = run_segmentation(load_table(path), SegmentParams(cluster=ClusterParams(algo="kmeans", k=4)), workspace)
    assert result.run_info["embedding"]["embedder"] == "multilingual"  # auto, by language
    assert any("not in English" in n and "multilingual" in n for n in result.notices)
    truth = frame.set_index("id").loc[result.customers.frame["id"]]
    labels = result.clustering.labels
    assert adjusted_rand_score(truth["topic"], labels) >= 0.8
    assert adjusted_rand_score(truth["language"], labels) < 0.1
    folder = tmp_path / "run"  # a saved run assigns new customers with the same embedder
    save_model(assignment_model(result), folder / "model")
    write_outputs(result.segments_frame(), result.profiles, dict(result.run_info), folder)
    new = tmp_path / "new.csv"
    frame[["id", "review"]].head(40).to_csv(new, index=False)
    assigned = assign_table(load_table(new), folder, workspace).segments
    by_id = dict(zip(result.customers.frame["id"], labels, strict=True))
    assert (assigned["segment_id"].to_numpy() == [by_id[i] for i in assigned["id"]]).all()
