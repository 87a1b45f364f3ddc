"""Embedding a table's texts ahead of its run (fake embedder): the run finds them in the cache, a run of other
texts stops the prefetch, and a table that cannot be segmented starts nothing."""

from __future__ import annotations

import threading
from dataclasses import replace

import pandas as pd

import core.explain.terms
from core.ingest.io import load_table
from core.pipeline import run_segmentation, texts_to_embed
from core.represent.embedding_cache import EmbeddingCache
from core.represent.prefetch import TextPrefetch
from core.tasks import prefetch, settle_prefetch
from core.testing.fake_embedder import FakeEmbedder
from tests.unit.test_store import PARAMS


def test_a_run_after_the_prefetch_embeds_nothing_itself(planted_csv, workspace, monkeypatch):
    table = load_table(planted_csv)
    running = prefetch(table, PARAMS, workspace)
    assert running is not None and running.texts == texts_to_embed(table, PARAMS, workspace)
    assert settle_prefetch(running, table, PARAMS, workspace)  # the same texts: waited for
    assert not running.running and running.done == len(set(running.texts))

    def again(texts):
        raise AssertionError("the prefetch found each customer's terms beside the embedding")

    monkeypatch.setattr(core.explain.terms, "term_presence", again)
    info = run_segmentation(table, PARAMS, workspace).run_info["embedding"]
    assert info["embedded"] == 0 and info["from_cache"] == info["texts"] > 0


def test_the_run_s_other_work_on_the_texts_runs_beside_the_embedding(workspace):
    texts = [f"text number {i}" for i in range(40)]
    seen = []

    def beside(embedder):
        seen.append((embedder.name, threading.current_thread().name))

    running = TextPrefetch(texts, PARAMS.embedder_choice(), workspace, beside=beside, chunk=10)
    assert running.settle(texts, PARAMS.embedder_choice())  # waits for both threads
    assert seen == [("fake", "segment-studio-prefetch-beside")]


def test_a_run_of_other_texts_stops_the_prefetch_first(planted_csv, workspace):
    table = load_table(planted_csv)
    gate = threading.Event()
    texts = [f"text number {i}" for i in range(50)]
    running = TextPrefetch(texts, PARAMS.embedder_choice(), workspace, after=gate.wait, chunk=10)
    assert not settle_prefetch(TextPrefetch([], PARAMS.embedder_choice(), workspace), table, PARAMS, workspace)
    running.stop(wait=False)  # what settle does for a run of other texts, before the model is even loaded
    gate.set()
    assert not running.settle(texts, replace(PARAMS.embedder_choice(), model="another model"))
    assert not running.running and running.done == 0
    assert EmbeddingCache(workspace).embed(FakeEmbedder(), texts)[1] == 0  # nothing was embedded


def test_the_prefetch_writes_the_vectors_a_run_would_compute(workspace):
    texts = ["red dress", "blue jeans", "red dress", ""]
    TextPrefetch(texts, PARAMS.embedder_choice(), workspace).settle(texts, PARAMS.embedder_choice())
    vectors, cached = EmbeddingCache(workspace).embed(FakeEmbedder(), texts)
    assert cached == 4 and (vectors[0] == vectors[2]).all()
    assert (vectors[:2] == FakeEmbedder().encode(texts[:2])).all()


def test_a_table_without_text_or_that_cannot_be_segmented_starts_nothing(tmp_path, workspace):
    numbers = tmp_path / "numbers.csv"
    pd.DataFrame({"id": ["a", "b", "c"], "age": [1, 2, 3]}).to_csv(numbers, index=False)
    assert prefetch(load_table(numbers), PARAMS, workspace) is None
    only_ids = tmp_path / "ids.csv"
    pd.DataFrame({"customer_id": ["a", "b"]}).to_csv(only_ids, index=False)
    assert texts_to_embed(load_table(only_ids), PARAMS, workspace) == []
