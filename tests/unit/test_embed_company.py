"""Every CPU backend gives a text the same vector, bit for bit, whatever it is embedded with: other texts,
another order, another number of threads (so Ray's blocks and actors agree with the local engine)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.represent.embedders.onnx import OnnxEmbedder
from core.represent.embedders.sentence_transformer import SentenceTransformerEmbedder

pytestmark = pytest.mark.slow


def _embedder(backend: str, threads: int) -> OnnxEmbedder | SentenceTransformerEmbedder:
    if backend == "onnx":
        return OnnxEmbedder(threads=threads)
    return SentenceTransformerEmbedder(device="cpu", precision="bf16" if backend == "bf16" else "fp32")


@pytest.mark.parametrize("backend", ["onnx", "bf16", "torch"])
def test_a_texts_vector_does_not_depend_on_its_company(backend, reviews_sample, monkeypatch):
    texts = [t for t in pd.read_csv(reviews_sample, dtype=str, keep_default_na=False)["Review Text"] if t][:48]
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    together = _embedder(backend, 2).encode(texts)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    picked = [40, 7, 3, 21]  # other company (a short and a long text among them), another order, one thread
    apart = _embedder(backend, 1).encode([texts[i] for i in picked] + ["a dress", "word " * 300])
    assert np.array_equal(apart[: len(picked)], together[picked])
    shortest = int(np.argmin([len(t) for t in texts]))
    assert np.array_equal(_embedder(backend, 1).encode([texts[shortest]])[0], together[shortest])  # alone, unpadded
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
