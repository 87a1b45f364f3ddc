"""The text stage: choose an embedder, embed every customer's text through the cache, fall back when a model fails."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import ModelError, ParameterError
from core.ingest.language import cjk_share
from core.progress import Progress
from core.represent.embedders.base import Embedder
from core.represent.embedders.lexical import LexicalEmbedder
from core.represent.embedders.onnx import OnnxEmbedder
from core.represent.embedders.runtime import backend_notices, pick_backend
from core.represent.embedders.sentence_transformer import (
    DEFAULT_MODEL,
    SentenceTransformerEmbedder,
    reads_cjk,
    resolve_model_path,
)
from core.represent.embedding_cache import EmbeddingCache
from core.represent.features import Customers
from core.storage.hashing import stable_hash, text_hash
from core.storage.stage_cache import StageCache
from core.testing.fake_embedder import FakeEmbedder

_TOKENIZE_CHUNK = 2048  # texts per tokenizer call when counting over-long texts (bounds its memory)


def choose_embedder(
    texts: Sequence[str], embedder: str = "auto", model: str = DEFAULT_MODEL, device: str = "auto", seed: int = 0,
    backend: str = "auto",
) -> tuple[Embedder, list[str]]:
    """Pick the embedder for these texts; returns it with notices for the analyst."""
    notices: list[str] = []
    if embedder == "fake":
        return FakeEmbedder(), notices
    if embedder == "lexical":
        return LexicalEmbedder(seed=seed), notices
    if embedder not in ("auto", "model"):
        raise ParameterError(f"embedder must be auto, model or lexical, not {embedder!r}.")
    if embedder == "auto" and cjk_share(texts) > 0.3 and not reads_cjk(model):
        notices.append(
            f"Most of the text is Chinese, Japanese or Korean, which {model} does not read; "
            "used the lexical embedder (character n-grams) instead. Choose a multilingual model to use one."
        )
        return LexicalEmbedder(seed=seed), notices
    chosen = pick_backend(backend, model, device)
    if chosen == "onnx":
        if device == "cuda":
            raise ParameterError("The onnx backend runs on CPU; use --backend torch with --device cuda.")
        return OnnxEmbedder(model), notices
    if chosen == "bf16":
        return SentenceTransformerEmbedder(model, device=device, precision="bf16"), backend_notices(chosen)
    return SentenceTransformerEmbedder(model, device=device), notices


def torch_fallback(error: ModelError, model: str, device: str) -> tuple[SentenceTransformerEmbedder, str]:
    """The embedder to use when the onnx backend fails under ``backend='auto'``, with its notice."""
    return SentenceTransformerEmbedder(model, device=device), f"{error.message} Used the PyTorch model instead."


def lexical_fallback(error: ModelError, seed: int = 0) -> tuple[LexicalEmbedder, str]:
    """The embedder to use when the model cannot be loaded (``embedder='auto'``), with its notice."""
    return LexicalEmbedder(seed=seed), f"{error.message} Used the lexical embedder instead."


@dataclass(frozen=True)
class EmbedderChoice:
    """What decides the text vectors: the embedder's name, the model, where and how it runs, the seed."""

    embedder: str = "auto"
    model: str = DEFAULT_MODEL
    device: str = "auto"
    backend: str = "auto"
    seed: int = 0


def text_vectors(customers: Customers, params: EmbedderChoice, workspace: Path, progress: Progress,
                 notices: list[str]) -> tuple[np.ndarray | None, dict]:
    """Each customer's text vector (None without text) and what was embedded, through the caches.

    On a model error under ``auto`` the chain is int8 ONNX → PyTorch → lexical, each step with a notice.
    Customers without text get the average vector; rows of one customer are averaged.
    """
    texts = customers.row_texts if customers.row_texts is not None else customers.texts
    info = {"model": None, "texts": len(texts), "from_cache": 0, "embedded": 0}
    if not customers.columns["text"] or not any(texts):
        return None, info
    embedder, embed_notices = choose_embedder(texts, params.embedder, params.model, params.device,
                                              seed=params.seed, backend=params.backend)
    notices.extend(embed_notices)
    info["model"] = embedder.model_id

    def report(done: int, total: int) -> None:
        progress("embed", done / max(total, 1), f"Embedded {done:,} of {total:,} new texts with {embedder.model_id}")

    while embedder.per_text:  # on a model error under auto: onnx → PyTorch → lexical
        try:
            vectors, cached = EmbeddingCache(workspace).embed(embedder, texts, progress=report)
            break
        except ModelError as exc:
            if isinstance(embedder, OnnxEmbedder) and params.backend == "auto":
                embedder, notice = torch_fallback(exc, params.model, params.device)
            elif params.embedder == "auto":
                embedder, notice = lexical_fallback(exc, seed=params.seed)
            else:
                raise
            notices.append(notice)
            info["model"] = embedder.model_id
    if not embedder.per_text:
        stages = StageCache(workspace)
        key = stable_hash(embedder.model_id, text_hash("\x00".join(texts)))
        hit = stages.get("embed", key)
        if hit:
            vectors, cached = hit[0]["vectors"], len(texts)
        else:
            vectors, cached = embedder.encode(texts, progress=report), 0
            stages.put("embed", key, {"vectors": vectors}, {"model": embedder.model_id})
    info["from_cache"], info["embedded"] = int(cached), int(len(texts) - cached)
    progress("embed", 1.0, f"{info['embedded']:,} texts embedded, {info['from_cache']:,} served from the cache")
    empty = np.array([not t for t in texts])
    if empty.any() and not empty.all():  # no text: neutral (average) text features, placed by other columns
        vectors = vectors.copy()
        vectors[empty] = vectors[~empty].mean(axis=0)
    if isinstance(embedder, (SentenceTransformerEmbedder, OnnxEmbedder)):
        notices.extend(_cached_window_notices(StageCache(workspace), texts, params.model))
    if customers.row_owner is not None:  # average each customer's row embeddings
        sums = np.zeros((len(customers), vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, customers.row_owner, vectors)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        vectors = (sums / np.where(norms == 0, 1, norms)).astype(np.float32)
    return vectors, info


def window_notices(texts: list[str], model: str) -> list[str]:
    """How many texts run past the model's window (its ``max_seq_length`` in word pieces): the model
    embeds only their beginning. Counted with the model's own tokenizer; empty when it cannot be found."""
    try:
        folder = Path(resolve_model_path(model))
        window = int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (ModelError, OSError, ValueError, KeyError):
        return []
    if not (folder / "tokenizer.json").exists():
        return []
    # a word piece covers at least one character; each distinct text is tokenised once, a chunk at a time
    candidates = list(dict.fromkeys(t for t in texts if len(t) > window - 2))
    if not candidates:
        return []
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    too_long: set[str] = set()
    for start in range(0, len(candidates), _TOKENIZE_CHUNK):
        part = candidates[start : start + _TOKENIZE_CHUNK]
        too_long.update(t for t, encoding in zip(part, tokenizer.encode_batch_fast(part)) if len(encoding.ids) > window)
    long = sum(t in too_long for t in texts) if too_long else 0
    if not long:
        return []
    return [f"{long:,} text(s) are longer than the model's window of {window} word pieces; "
            "only their beginning is embedded."]


def _cached_window_notices(stages: StageCache, texts: list[str], model: str) -> list[str]:
    """:func:`window_notices`, kept per (model, texts): counting tokens again costs seconds per re-run."""
    key = stable_hash("window", model, text_hash("\x00".join(texts)))
    return stages.json_result("window", key, lambda: {"notices": window_notices(texts, model)})[0]["notices"]
