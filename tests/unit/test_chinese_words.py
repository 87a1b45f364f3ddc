"""Chinese distinctive words and names come from jieba's words; Japanese and Korean keep character n-grams."""

import re

import pandas as pd

from core.explain.chinese_words import chinese_terms, is_chinese
from core.explain.profile import term_presence
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams
from core.testing.bilingual import bilingual_reviews


def test_jieba_words_without_stop_words_and_with_word_pairs():
    terms = chinese_terms("物流很快，客服态度也很好。")
    assert {"物流", "客服", "态度", "客服 态度"} <= terms
    assert not terms & {"流很", "很快，", "也", "很", "的"}  # no character n-grams across words, no stop words
    assert chinese_terms("The 面料 is soft") == {"面料"}  # other scripts are left to the English terms


def test_script_detection():
    assert is_chinese(["这条裙子很漂亮"]) and not is_chinese(["このドレスはとても綺麗です"])
    assert not is_chinese(["이 드레스는 정말 예뻐요"]) and not is_chinese(["hello"]) and not is_chinese([])


def test_japanese_keeps_character_ngrams():
    _, names = term_presence(["このドレスはとても綺麗です", "このドレスは小さいです"])
    assert "ドレ" in set(names)  # a character bigram, which a word segmenter would not give


def test_chinese_segments_are_named_with_jieba_words(tmp_path):
    frame = bilingual_reviews(per_topic_language=15, seed=1)
    path = tmp_path / "zh.csv"
    frame[frame["language"] == "zh"][["id", "review"]].to_csv(path, index=False)
    params = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=4, seed=0),
                           reduce=ReduceParams(n_components=3, n_neighbors=10),
                           map=ReduceParams(n_components=2, n_neighbors=10))
    result = run_segmentation(load_table(path), params, tmp_path / "ws")
    vocabulary = set().union(*(chinese_terms(t) for t in pd.read_csv(path)["review"]))
    for profile in result.profiles:
        words = [w["term"] for w in profile["words"]]
        assert words and set(words) <= vocabulary, words
        assert all(" " in p["term"] for p in profile["phrases"])
        assert any(w in profile["name"] for w in words) and re.search(r"[\u4e00-\u9fff]{2}", profile["name"])
