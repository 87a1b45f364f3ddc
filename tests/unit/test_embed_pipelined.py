"""The overlapped torch encoder (``core.represent.embedders.sentence_transformer.encode_overlapped``): the same
vectors as ``SentenceTransformer.encode``, rows in input order, progress to the end, a look-ahead of one batch."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from core.represent.embedders.sentence_transformer import (
    SentenceTransformerEmbedder,
    encode_overlapped,
)

REVIEWS_150 = Path(__file__).resolve().parent.parent / "data" / "reviews_150.csv"


class LengthModel:
    """Stands in for a SentenceTransformer: a text's vector is (its length, 1), normalised. Each forward
    pass waits for the next batch's tokenisation (so it fails when tokenising is not overlapped), then
    records how many batches have been tokenised so far."""

    device = torch.device("cpu")
    prompts: dict[str, str] = {}
    default_prompt_name = None

    def __init__(self, batches: int, workers: int = 1) -> None:
        self.batches, self.workers = batches, workers
        self.tokenised = 0
        self.tokenised_at_forward: list[int] = []
        self.changed = threading.Condition()

    def get_embedding_dimension(self) -> int:
        return 2

    def eval(self) -> LengthModel:
        return self

    def preprocess(self, texts: list[str], prompt: str | None = None) -> dict[str, torch.Tensor]:
        with self.changed:
            self.tokenised += 1
            self.changed.notify_all()
        return {"length": torch.tensor([[float(len(t)), 1.0] for t in texts])}

    def __call__(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        forward = len(self.tokenised_at_forward)
        with self.changed:
            self.changed.wait_for(lambda: self.tokenised >= min(forward + 1 + self.workers, self.batches), timeout=2)
        time.sleep(0.005)  # room for a look-ahead longer than one batch to show itself
        self.tokenised_at_forward.append(self.tokenised)
        return {"sentence_embedding": features["length"]}


def distinct_length_texts(n: int) -> list[str]:
    """``n`` texts of lengths 0..n-1, shuffled, so that a row's vector tells which text it is."""
    return ["x" * k for k in np.random.default_rng(0).permutation(n)]


@pytest.mark.parametrize("workers", [1, 3])
def test_workers_batches_are_tokenised_ahead_of_the_forward_pass_and_no_more(workers):
    texts = distinct_length_texts(20)
    model = LengthModel(batches=10, workers=workers)
    vectors = encode_overlapped(model, texts, batch_size=2, workers=workers)
    # forward pass i runs while batches i+1 … i+workers are tokenised: never more
    assert model.tokenised_at_forward == [min(i + 1 + workers, 10) for i in range(10)]
    assert np.allclose(vectors[:, 0] / vectors[:, 1], [len(t) for t in texts])


def test_rows_come_back_in_input_order_with_progress_every_16_batches():
    texts = distinct_length_texts(70)
    calls: list[tuple[int, int]] = []
    vectors = encode_overlapped(LengthModel(batches=35), texts, batch_size=2, progress=lambda *c: calls.append(c))
    assert vectors.dtype == np.float32 and vectors.shape == (70, 2)
    assert np.allclose(vectors[:, 0] / vectors[:, 1], [len(t) for t in texts])
    assert calls == [(32, 70), (64, 70), (70, 70)]


def test_embedder_on_cuda_goes_through_the_overlapped_path():
    embedder = SentenceTransformerEmbedder(device="cuda", batch_size=2)
    embedder._model, embedder.device = LengthModel(batches=3), "cuda"
    texts = distinct_length_texts(6)
    vectors = embedder.encode(texts)
    assert embedder._model.tokenised_at_forward[0] >= 2  # a batch was tokenised ahead of the first pass
    assert np.allclose(vectors[:, 0] / vectors[:, 1], [len(t) for t in texts])


@pytest.mark.slow
def test_overlapped_vectors_equal_sentence_transformers_encode_on_cpu():
    frame = pd.read_csv(REVIEWS_150, dtype=str, keep_default_na=False)
    texts = [*frame["Review Text"], *[t for t in frame["Title"] if t][:40], "", "ok", "too small", "love it!!"]
    assert len(texts) >= 190 and "" in texts
    model = SentenceTransformerEmbedder(device="cpu").model
    calls: list[tuple[int, int]] = []
    ours = encode_overlapped(model, texts, batch_size=16, progress=lambda *c: calls.append(c))
    reference = model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    assert np.abs(ours - reference).max() <= 1e-5
    assert (ours * reference).sum(axis=1).min() >= 0.99999
    assert calls[-1] == (len(texts), len(texts))
