"""The text stage: choose an embedder, embed every customer's text through the cache, fall back when a model fails."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelError, ParameterError
from core.ingest.language import language_mix
from core.progress import Progress
from core.represent.embedders import EMBEDDERS, EmbedderChoice, embedder_names
from core.represent.embedders.base import Embedder
from core.represent.embedders.runtime import chosen_because
from core.represent.embedders.sentence_transformer import model_short_name, reads_cjk, resolve_model_path
from core.represent.embedding_cache import EmbeddingCache
from core.represent.features import Customers
from core.storage.hashing import stable_hash, text_hash
from core.storage.stage_cache import StageCache

_TOKENIZE_CHUNK = 2048  # texts per tokenizer call when counting over-long texts (bounds its memory)


MOSTLY_ENGLISH = 0.95  # share of English texts at which auto keeps the English model


def auto_embedder(texts: Sequence[str], model: str) -> tuple[str, list[str]]:
    """The embedder ``auto`` picks for ``texts`` and why: the sentence-transformers ``model`` when the texts
    are mostly English (at least :data:`MOSTLY_ENGLISH` of those whose language can be told) or the model is
    not an English-only one; otherwise (Chinese, another language, or a mix) the multilingual embedder."""
    mix = language_mix(texts)
    notices = []
    if texts and not mix.has_words:
        notices.append("The text holds no words (only emoji, numbers or symbols), so it says little about the "
                       "customers; segments will rest mostly on the other columns.")
    if mix.english_share >= MOSTLY_ENGLISH or reads_cjk(model):
        if mix.other:
            notices.append(f"{mix.other:,} of {mix.english + mix.other:,} texts sampled are not in English; "
                           f"{model_short_name(model)} reads them poorly. Choose the multilingual embedder if they "
                           "matter.")
        return "model", notices
    share = "All" if mix.english == 0 else f"{1 - mix.english_share:.0%}"
    notices.append(f"{share} of the texts are not in English, which {model_short_name(model)} does not read; used "
                   "the multilingual embedder (16 languages, Chinese included) instead, so texts about the same "
                   "thing are close whatever their language.")
    return "multilingual", notices


def choose_embedder(texts: Sequence[str], choice: EmbedderChoice) -> tuple[Embedder, list[str]]:
    """Build the embedder ``choice`` names for these texts; returns it with notices for the analyst.

    ``auto`` picks by the texts' language (:func:`auto_embedder`).
    """
    name = choice.embedder
    notices: list[str] = []
    if name == "auto":
        name, notices = auto_embedder(texts, choice.model)
    if name not in EMBEDDERS:
        raise ParameterError(f"The embedder must be one of {', '.join(embedder_names())}, not {name!r}.")
    embedder, built_notices = EMBEDDERS[name].build(choice)
    return embedder, [*notices, *built_notices]


def fallback(failed: Embedder, error: ModelError, choice: EmbedderChoice) -> tuple[Embedder, str] | None:
    """What to embed with when ``failed`` cannot load: its own fallback (e.g. ONNX → PyTorch), else under
    ``auto`` the lexical embedder; None to give up."""
    plugin = EMBEDDERS.get(failed.name)
    found = plugin.fallback(failed, error, choice) if plugin and plugin.fallback else None
    if found is None and choice.embedder == "auto" and failed.name != "lexical":
        found = EMBEDDERS["lexical"].build(choice)[0], f"{error.message} Used the lexical embedder instead."
    return found


def text_vectors(customers: Customers, params: EmbedderChoice, workspace: Path, progress: Progress,
                 notices: list[str]) -> tuple[np.ndarray | None, dict]:
    """Each customer's text vector (None without text) and what was embedded, through the caches.

    On a model error under ``auto`` the chain is int8 ONNX → PyTorch → lexical, each step with a notice.
    Customers without text get the average vector; rows of one customer are averaged.
    """
    texts = customers.row_texts if customers.row_texts is not None else customers.texts
    info: dict[str, Any] = {"model": None, "embedder": None, "backend": None, "texts": len(texts), "from_cache": 0,
                            "embedded": 0}
    if not customers.columns["text"] or not any(texts):
        return None, info
    embedder, embed_notices = choose_embedder(texts, params)
    notices.extend(embed_notices)
    info.update(model=embedder.model_id, embedder=embedder.name, backend=embedder.backend)
    reason = runtime_reason(embedder, params)
    if reason is not None:  # a sentence model: why it runs on its runtime
        info["backend_reason"] = reason

    def report(done: int, total: int) -> None:
        progress("embed", done / max(total, 1), f"Embedded {done:,} of {total:,} new texts with {embedder.model_id}")

    while embedder.per_text:  # on a model error: the embedder's fallback, then (auto) lexical
        try:
            vectors, cached = EmbeddingCache(workspace).embed(embedder, texts, progress=report)
            break
        except ModelError as exc:
            replacement = fallback(embedder, exc, params)
            if replacement is None:
                raise
            embedder, notice = replacement
            notices.append(notice)
            info.update(model=embedder.model_id, embedder=embedder.name, backend=embedder.backend,
                        backend_reason=f"{notice} ({runtime_reason(embedder, params)})")
    if not embedder.per_text:  # a corpus-fitted embedder: its vectors are kept per corpus, not per text
        key = stable_hash(embedder.model_id, text_hash("\x00".join(texts)))
        stored, _, hit = StageCache(workspace).cached(
            "embed", key, lambda: ({"vectors": embedder.encode(texts, progress=report)}, {"model": embedder.model_id}))
        vectors, cached = stored["vectors"], len(texts) if hit else 0
    info["from_cache"], info["embedded"] = int(cached), int(len(texts) - cached)
    progress("embed", 1.0, f"{info['embedded']:,} texts embedded, {info['from_cache']:,} served from the cache")
    empty = np.array([not t for t in texts])
    if empty.any() and not empty.all():  # no text: neutral (average) text features, placed by other columns
        vectors = vectors.copy()
        vectors[empty] = vectors[~empty].mean(axis=0)
    if embedder.name == "model":  # a sentence-transformers model: count texts past its window
        notices.extend(cached_window_notices(StageCache(workspace), texts, params.model))
    if customers.row_owner is not None:  # average each customer's row embeddings
        sums = np.zeros((len(customers), vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, customers.row_owner, vectors)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        vectors = (sums / np.where(norms == 0, 1, norms)).astype(np.float32)
    return vectors, info


def runtime_reason(embedder: Embedder, params: EmbedderChoice) -> str | None:
    """Why a sentence model ran on its runtime (run.json's ``embedding.backend_reason``); None for others."""
    return chosen_because(params.backend, embedder.backend, params.model) if embedder.name == "model" else None


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


def cached_window_notices(stages: StageCache, texts: list[str], model: str) -> list[str]:
    """:func:`window_notices`, kept per (model, texts): counting tokens again costs seconds per re-run."""
    key = stable_hash("window", model, text_hash("\x00".join(texts)))
    return stages.json_result("window", key, lambda: {"notices": window_notices(texts, model)})[0]["notices"]
