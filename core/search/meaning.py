"""Which embedder reads a query, and the run's texts as normalised vectors of that embedder (through the
embedding cache, so texts the run embedded are not embedded again)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.ingest.language import is_english
from core.represent.embedders import EMBEDDERS, EmbedderChoice
from core.represent.embedders.base import Embedder
from core.represent.embedders.sentence_transformer import reads_cjk
from core.represent.embedding_cache import EmbeddingCache

MULTILINGUAL = EmbedderChoice(embedder="multilingual")
_READS_EVERYTHING = ("multilingual", "fake")  # the multilingual model; the tests' bag of words


def reads(choice: EmbedderChoice, query: str) -> bool:
    """Whether the embedder ``choice`` reads ``query``'s language: the multilingual one reads all it is asked
    (scripts it cannot read are refused earlier), an English model reads English only."""
    if choice.embedder in _READS_EVERYTHING:
        return True
    return choice.embedder == "model" and (reads_cjk(choice.model) or is_english(query) is not False)


def query_embedder(query: str, run: EmbedderChoice | None) -> EmbedderChoice:
    """The run's own embedder when it reads the query (``run`` is None when the run's vectors cannot be made
    for a new text, e.g. the lexical embedder fitted on the run), else the multilingual one."""
    return run if run is not None and reads(run, query) else MULTILINGUAL


def build(choice: EmbedderChoice) -> Embedder:
    """The embedder of ``choice`` (a ModelError when it cannot be loaded)."""
    return EMBEDDERS[choice.embedder].build(choice)[0]


def text_matrix(embedder: Embedder, texts: Sequence[str], workspace: Path) -> np.ndarray:
    """L2-normalised float32 vectors of ``texts``; an empty text gets zeros (it matches nothing by meaning)."""
    present = [i for i, t in enumerate(texts) if t]
    vectors, _ = EmbeddingCache(workspace).embed(embedder, [texts[i] for i in present])
    out = np.zeros((len(texts), vectors.shape[1] if len(present) else 1), dtype=np.float32)
    if present:
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        out[present] = vectors / np.where(norms == 0, 1, norms)
    return out


def query_vector(embedder: Embedder, query: str) -> np.ndarray:
    """The query's L2-normalised vector."""
    vector = np.asarray(embedder.encode([query])[0], dtype=np.float32)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)
