"""A run's search index and the hybrid ranking of a query.

The index is built once per run and kept in the workspace's stage cache like every stage: the BM25 words per
(texts, version) and the text vectors per (texts, embedder, version). A query is scored by meaning (cosine to
the query's vector: one matrix-vector product) and by words (BM25 of the query's terms plus the terms that
characterise its best first-pass matches, pseudo-relevance feedback, which carries an English query over to the
Chinese words of its matches); both are min-max normalised over the customers and summed with weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.represent.embedders import EmbedderChoice
from core.search import meaning
from core.search.tokens import terms, unread_script
from core.search.words import WordIndex, build_word_index
from core.storage.hashing import stable_hash, text_hash
from core.storage.stage_cache import StageCache

SEARCH_VERSION = 1
MEANING_WEIGHT = 0.5  # weight of the normalised meaning score; the words get the rest (tuned: NOTES-search.md)
FEEDBACK_ROWS = 30  # first-pass matches whose words extend the query
FEEDBACK_TERMS = 5  # terms taken from them
FEEDBACK_SHARE = 0.3  # a feedback term appears in at least this share of them
FEEDBACK_WEIGHT = 0.5  # query weight of the strongest feedback term (the query's own terms weigh 1)


@dataclass
class Ranking:
    """A query's best customers: rows and scores best first, the terms to highlight and the model used."""

    rows: np.ndarray
    scores: np.ndarray
    highlight: set[str] = field(default_factory=set)
    model: str = ""


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return np.zeros_like(values) if high <= low else (values - low) / (high - low)


def _best(scores: np.ndarray, top: int) -> np.ndarray:
    """Rows of the ``top`` highest scores, best first (ties by row)."""
    top = min(top, len(scores))
    rows = np.argpartition(-scores, top - 1)[:top] if top < len(scores) else np.arange(len(scores))
    return rows[np.lexsort((rows, -scores[rows]))]


def check_query(query: str) -> str:
    """The query stripped; an InputError for an empty one or one in a script no embedder reads."""
    query = (query or "").strip()
    if not query:
        raise InputError("The search query is empty; type a few words that customers might write.")
    script = unread_script(query)
    if script is not None:
        raise InputError(f"The query is written in the {script.title()} script, which no embedder reads; search in "
                         "English, Chinese or another of the multilingual embedder's 16 languages.")
    return query


class SearchIndex:
    """The search index of one run's texts (one per customer), built on first use and cached in ``workspace``."""

    def __init__(self, texts: list[str], run_embedder: EmbedderChoice | None, workspace: Path) -> None:
        self.texts = texts
        self.run_embedder = run_embedder
        self.workspace = Path(workspace)
        self.stages = StageCache(self.workspace)
        self.key = text_hash("\x00".join(texts))
        self._vectors: dict[str, np.ndarray] = {}

    @cached_property
    def words(self) -> WordIndex:
        """The BM25 index of the texts."""
        arrays, _, _ = self.stages.cached("search-words", stable_hash(self.key, SEARCH_VERSION),
                                          lambda: (build_word_index(self.texts).arrays(), {}))
        return WordIndex.from_arrays(arrays)

    @cached_property
    def has_text(self) -> np.ndarray:
        """Which customers wrote something."""
        return np.fromiter((bool(t) for t in self.texts), dtype=bool, count=len(self.texts))

    def vectors(self, embedder: meaning.Embedder) -> np.ndarray:
        """The texts' normalised vectors by ``embedder``."""
        if embedder.model_id not in self._vectors:
            key = stable_hash(self.key, embedder.model_id, SEARCH_VERSION)
            arrays, _, _ = self.stages.cached("search-meaning", key, lambda: (
                {"vectors": meaning.text_matrix(embedder, self.texts, self.workspace)}, {"model": embedder.model_id}))
            self._vectors[embedder.model_id] = arrays["vectors"]
        return self._vectors[embedder.model_id]

    def prepare(self, query: str = "") -> None:
        """Build (or load) the words and the vectors a query like ``query`` needs, ahead of the first query."""
        _ = self.words
        self.vectors(meaning.build(meaning.query_embedder(query or "customers", self.run_embedder)))

    def scores(self, query: str) -> tuple[np.ndarray, set[str], str]:
        """Every customer's hybrid score for ``query`` (0 to 1), the terms to highlight and the model used."""
        query = check_query(query)
        embedder = meaning.build(meaning.query_embedder(query, self.run_embedder))
        by_meaning = self.vectors(embedder) @ meaning.query_vector(embedder, query)
        if not self.has_text.all():  # no text: the lowest meaning score, so it never matches by meaning
            has_text = self.has_text
            by_meaning = np.where(has_text, by_meaning, by_meaning[has_text].min() if has_text.any() else 0)
        meaning_part = MEANING_WEIGHT * _minmax(by_meaning)
        own = dict.fromkeys(terms(query), 1.0)
        first = meaning_part + (1 - MEANING_WEIGHT) * _minmax(self.words.scores(own))
        feedback = self.words.feedback_terms(_best(first, FEEDBACK_ROWS), FEEDBACK_TERMS, FEEDBACK_SHARE)
        weighted = {**{t: FEEDBACK_WEIGHT * w for t, w in feedback.items()}, **own}
        combined = meaning_part + (1 - MEANING_WEIGHT) * _minmax(self.words.scores(weighted))
        return combined, set(weighted), embedder.model_id

    def query(self, query: str, top: int) -> Ranking:
        """The ``top`` best customers for ``query``."""
        scores, highlight, model = self.scores(query)
        rows = _best(scores, top)
        return Ranking(rows=rows, scores=scores[rows], highlight=highlight, model=model)
