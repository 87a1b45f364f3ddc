"""A deterministic hashed bag of words, for tests and ``--embedder fake``: texts sharing words get similar vectors."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from core.represent.embedders.base import EmbedderPlugin, Progress, normalise, register


class FakeEmbedder:
    """Deterministic hashed bag of words: texts sharing words get similar vectors. For tests."""

    name = "fake"
    backend = "auto"
    per_text = True

    def __init__(self, dim: int = 32) -> None:
        self.dim = dim
        self.model_id = f"fake:{dim}"
        self.calls = 0  # number of texts encoded, for cache tests

    def _word_vector(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha1(word.encode()).digest()[:4], "little")
        return np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", (text or "").lower()):
                out[i] += self._word_vector(word)
        if progress:
            progress(len(texts), len(texts))
        return normalise(out)


register(EmbedderPlugin("fake", "Fake (tests only)", build=lambda choice: (FakeEmbedder(), []), for_tests=True))
