"""The int8 ONNX backend is the CPU default only because it passes this bar on real reviews:
mean cosine similarity to fp32 sentence-transformers ≥ 0.98 and KMeans labels agreeing at ARI ≥ 0.9."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.embed_bench import quality
from core.embed import OnnxEmbedder, SentenceTransformerEmbedder, pick_backend


@pytest.mark.slow
def test_int8_onnx_matches_fp32_on_real_reviews(reviews_sample):
    texts = [t for t in pd.read_csv(reviews_sample, dtype=str, keep_default_na=False)["Review Text"] if t][:400]
    ours = OnnxEmbedder().encode(texts)
    fp32 = SentenceTransformerEmbedder(device="cpu").encode(texts)
    assert ours.shape == fp32.shape and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    figures = quality(ours, fp32, k=6)
    assert figures["cos_mean"] >= 0.98 and figures["cos_p1"] >= 0.95
    assert figures["ari"] >= 0.9  # customers keep their KMeans segment when fp32 vectors become int8
    assert pick_backend("auto", "all-MiniLM-L6-v2", "cpu") == "onnx"  # so it is the default
