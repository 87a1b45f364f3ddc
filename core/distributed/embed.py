"""Embedding every customer's text on Ray: an actor per worker holds one embedder and writes the vectors to
the workspace's embedding cache (:class:`~core.represent.embedding_cache.EmbeddingCache`), so the fit on the
driver and the assignment read them from there, and a second run embeds nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.distributed.read import tidy_batch
from core.represent.embedders import EmbedderChoice, EmbedderPlugin
from core.represent.embedding_cache import EmbeddingCache
from core.represent.features import prepare_customers


class EmbedBatches:
    """A Ray Data ``map_batches`` callable: a block of rows in, one row out (texts, embedded) after the block's
    texts are in the cache. Built once per actor, so the model is loaded once per worker. ``plugin`` comes from
    the driver's registry, so an embedder registered there alone (the tests' fake one) builds on the workers too."""

    def __init__(self, roles: dict[str, str], text_aggregation: str, plugin: EmbedderPlugin, choice: EmbedderChoice,
                 workspace: str) -> None:
        self.roles = roles
        self.text_aggregation = text_aggregation
        self.embedder, _ = plugin.build(choice)
        self.cache = EmbeddingCache(Path(workspace))

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        customers = prepare_customers(tidy_batch(batch), self.roles, self.text_aggregation)
        texts = customers.texts if any(customers.texts) else []  # as core.represent.text.text_vectors embeds them
        cached = self.cache.embed(self.embedder, texts)[1] if texts else 0
        return pd.DataFrame({"texts": [len(texts)], "embedded": [len(texts) - cached]})
