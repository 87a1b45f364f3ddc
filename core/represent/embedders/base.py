"""The interface every text embedder follows, and helpers they share."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import numpy as np

Progress = Callable[[int, int], None]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    model_id: str
    per_text: bool  # True when a text's vector does not depend on the other texts (cacheable per text)

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


def length_sorted_batches(texts: Sequence[str], batch: int) -> Iterator[np.ndarray]:
    """Indices of ``texts`` in batches, longest first, so padding is small and memory peaks early."""
    order = np.argsort([-len(t) for t in texts], kind="stable")
    for start in range(0, len(texts), batch):
        yield order[start : start + batch]


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms
