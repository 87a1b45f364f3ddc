"""Embedding every customer's text on Ray: an actor per worker holds one embedder and writes the vectors to
the workspace's embedding cache (:class:`~core.represent.embedding_cache.EmbeddingCache`), so the fit on the
driver and the assignment read them from there, and a second run embeds nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.distributed.embedders import Registry, adopt_embedders
from core.distributed.read import tidy_batch
from core.represent.embedders import EMBEDDERS, EmbedderChoice
from core.represent.embedding_cache import EmbeddingCache
from core.represent.features import prepare_customers


class EmbedBatches:
    """A Ray Data ``map_batches`` callable: a block of rows in, one row out (texts, embedded) after the block's
    texts are in the cache. Built once per actor, so the model is loaded once per worker. ``embedders`` is the
    driver's registry (:func:`~core.distributed.embedders.driver_embedders`)."""

    def __init__(self, roles: dict[str, str], text_aggregation: str, embedders: Registry, choice: EmbedderChoice,
                 workspace: str) -> None:
        adopt_embedders(embedders)
        self.roles = roles
        self.text_aggregation = text_aggregation
        self.embedder, _ = EMBEDDERS[choice.embedder].build(choice)
        self.cache = EmbeddingCache(Path(workspace))

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        customers = prepare_customers(tidy_batch(batch), self.roles, self.text_aggregation)
        texts = customers.texts if any(customers.texts) else []  # as core.represent.text.text_vectors embeds them
        cached = self.cache.embed(self.embedder, texts)[1] if texts else 0
        return pd.DataFrame({"texts": [len(texts)], "embedded": [len(texts) - cached]})
