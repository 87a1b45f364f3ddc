"""Chinese reviews with default settings (and KMeans k=10) segment by product category, named in Chinese words."""

import re

import pytest
from sklearn.metrics import normalized_mutual_info_score

from core.explain.chinese_words import chinese_terms
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.segment.cluster import ClusterParams
from core.testing.chinese_reviews import chinese_reviews


@pytest.mark.slow
def test_chinese_reviews_segment_by_category_with_chinese_names(tmp_path):
    frame = chinese_reviews(per_category=30, seed=2)
    path = tmp_path / "zh.csv"
    frame[["id", "review"]].to_csv(path, index=False)
    result = run_segmentation(load_table(path), SegmentParams(cluster=ClusterParams(algo="kmeans", k=10)),
                              tmp_path / "ws")
    assert result.run_info["embedding"]["embedder"] == "multilingual"
    truth = frame.set_index("id").loc[result.customers.frame["id"], "category"]
    assert normalized_mutual_info_score(truth, result.clustering.labels) >= 0.55
    vocabulary = set().union(*(chinese_terms(t) for t in frame["review"]))
    for profile in result.profiles:
        named = [w for w in re.split(r"[,·]\s*|\s+·\s+", profile["name"]) if w.strip()]
        assert any(w.strip() in vocabulary for w in named), profile["name"]  # jieba words, not character n-grams
