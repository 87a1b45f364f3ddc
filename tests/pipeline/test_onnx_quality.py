"""The fast CPU backends are defaults only because they pass this bar on real reviews: mean cosine
similarity to fp32 sentence-transformers ≥ 0.98 and KMeans labels agreeing at ARI ≥ 0.9 — int8 ONNX for
the default model on every CPU, bf16 autocast for other models on CPUs with native bfloat16."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import core.represent.embedders.runtime as runtime
from bench.embed_bench import quality
from core.represent.embedders.onnx import OnnxEmbedder
from core.represent.embedders.runtime import cpu_has_bf16, pick_backend
from core.represent.embedders.sentence_transformer import SentenceTransformerEmbedder


def _reviews(path) -> list[str]:
    return [t for t in pd.read_csv(path, dtype=str, keep_default_na=False)["Review Text"] if t][:400]


@pytest.mark.slow
@pytest.mark.skipif(not cpu_has_bf16(), reason="this CPU has no native bfloat16 (AMX or AVX-512 BF16)")
def test_bf16_autocast_matches_fp32_on_real_reviews(reviews_sample):
    texts = _reviews(reviews_sample)
    ours = SentenceTransformerEmbedder(device="cpu", precision="bf16").encode(texts)
    fp32 = SentenceTransformerEmbedder(device="cpu").encode(texts)
    assert ours.shape == fp32.shape and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    figures = quality(ours, fp32, k=6)
    assert figures["cos_mean"] >= 0.98 and figures["cos_p1"] >= 0.95
    assert figures["ari"] >= 0.9
    assert pick_backend("auto", "some/other-model", "cpu") == "bf16"  # so it is the default for models without ONNX


@pytest.mark.slow
def test_int8_onnx_matches_fp32_on_real_reviews(reviews_sample, monkeypatch):
    texts = _reviews(reviews_sample)
    ours = OnnxEmbedder().encode(texts)
    fp32 = SentenceTransformerEmbedder(device="cpu").encode(texts)
    assert ours.shape == fp32.shape and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    figures = quality(ours, fp32, k=6)
    assert figures["cos_mean"] >= 0.98 and figures["cos_p1"] >= 0.95
    assert figures["ari"] >= 0.9  # customers keep their KMeans segment when fp32 vectors become int8
    alone = OnnxEmbedder(threads=1).encode([texts[7], texts[3]])  # other company, one thread, another order
    assert np.array_equal(alone, ours[[7, 3]])  # a text's vector does not depend on the texts beside it
    for native_bf16 in (False, True):
        monkeypatch.setattr(runtime, "cpu_has_bf16", lambda native=native_bf16: native)
        assert pick_backend("auto", "all-MiniLM-L6-v2", "cpu") == "onnx"  # so it is the default on every CPU


@pytest.mark.slow
def test_onnx_runner_tokenises_as_sentence_transformers_and_loads_without_torch(reviews_sample):
    import subprocess
    import sys
    from pathlib import Path

    from core.represent.embedders.onnx_export import OnnxRunner, exported_model
    from core.represent.embedders.sentence_transformer import resolve_model_path

    folder = Path(resolve_model_path("all-MiniLM-L6-v2"))
    exported_model(folder)  # warm, so the child below only loads
    texts = [*_reviews(reviews_sample)[:20], "word " * 400, "Ünïcode café — 好", ""]
    runner = OnnxRunner(folder)
    ours = [e.ids for e in runner.tokenizer.encode_batch(texts)]
    theirs = SentenceTransformerEmbedder(device="cpu").model.tokenizer(texts, padding=False, truncation=True,
                                                                       max_length=runner.max_length)["input_ids"]
    assert ours == theirs
    child = ("import sys; from core.represent.embedders.onnx import OnnxEmbedder; OnnxEmbedder().encode(['a dress']);"
             "print(sorted({'torch', 'transformers'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"  # the tokenizer and session load in seconds, not torch's import time
