"""The fp16 CUDA path's batching (``core.represent.embedders.fixed_batches``), on the CPU with a fake model whose
row output depends on the batch's shape, as fp16 GPU kernels may: a text gets the same bits whatever its company,
order or block size; every pass has the shape its padded length fixes; repeats are discarded; tokenising overlaps
the forward passes. Plus the cache identity of fp16 CUDA vectors, and (slow) the real model against ``encode``."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from core.represent.embedders.fixed_batches import (
    bucket_length,
    content_parts,
    encode_fixed,
    fixed_batches,
    rows_for,
)
from core.represent.embedders.sentence_transformer import SentenceTransformerEmbedder
from core.storage.hashing import text_hash

REVIEWS_150 = Path(__file__).resolve().parent.parent / "data" / "reviews_150.csv"


class Tokenizer:
    pad_token_id = 0


class ShapeModel:
    """Stands in for a SentenceTransformer. Tokens: one per character (plus start and end), padded right per
    tokeniser call. A row's vector is (sum of its tokens, its real tokens, batch rows, padded length), so it
    changes with the batch's shape. Records each pass's shape and mask, and how many tokeniser calls had
    finished when it ran; with ``wait_for`` it waits (up to 2 s) until that many calls have finished."""

    device = torch.device("cpu")
    prompts: dict[str, str] = {}
    default_prompt_name = None
    tokenizer = Tokenizer()

    def __init__(self, wait_for: list[int] | None = None) -> None:
        self.wait_for = wait_for or []
        self.tokenised = 0
        self.passes: list[tuple[tuple[int, ...], torch.Tensor, int]] = []
        self.changed = threading.Condition()

    def get_embedding_dimension(self) -> int:
        return 4

    def eval(self) -> ShapeModel:
        return self

    def preprocess(self, texts: list[str], prompt: str | None = None) -> dict[str, torch.Tensor]:
        ids = [[1, *(ord(c) % 50 + 2 for c in t), 1] for t in texts]
        width = max(map(len, ids))
        out = {"input_ids": torch.tensor([row + [0] * (width - len(row)) for row in ids]),
               "attention_mask": torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in ids])}
        with self.changed:
            self.tokenised += 1
            self.changed.notify_all()
        return out

    def __call__(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        forward = len(self.passes)
        if forward < len(self.wait_for):
            with self.changed:
                self.changed.wait_for(lambda: self.tokenised >= self.wait_for[forward], timeout=2)
        ids, mask = features["input_ids"], features["attention_mask"]
        self.passes.append((tuple(ids.shape), mask.clone(), self.tokenised))
        rows, length = ids.shape
        out = torch.stack([(ids * mask).sum(1).double(), mask.sum(1).double(),
                           torch.full((rows,), float(rows), dtype=torch.float64),
                           torch.full((rows,), float(length), dtype=torch.float64)], dim=1)
        return {"sentence_embedding": out}


def texts_of(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct texts of 0 to 60 characters."""
    rng = np.random.default_rng(seed)
    return [f"{i}:" + "".join(rng.choice(list("abcdefgh xyz"), size=rng.integers(0, 58))) for i in range(n)]


def shape_dependent(model: ShapeModel, texts: list[str]) -> np.ndarray:
    """The vectors of ``texts`` in one padded batch: the fake's result where batching ignores the text."""
    features = model.preprocess(texts)
    out = model(features)["sentence_embedding"].float()
    return torch.nn.functional.normalize(out, dim=1).numpy()


def test_a_texts_vector_is_the_same_bits_whatever_its_company_order_or_block_size():
    texts = texts_of(400)
    alone = encode_fixed(ShapeModel(), texts, max_rows=32)
    shuffled = np.random.default_rng(1).permutation(len(texts))
    in_order = encode_fixed(ShapeModel(), [texts[i] for i in shuffled], max_rows=32)
    assert np.array_equal(in_order, alone[shuffled])
    for block in (1, 37, 150):  # Ray blocks of any size, each embedded on its own
        blocks = [encode_fixed(ShapeModel(), texts[s : s + block], max_rows=32) for s in range(0, len(texts), block)]
        assert np.array_equal(np.concatenate(blocks), alone)
    with_others = encode_fixed(ShapeModel(), [*texts_of(300, seed=7), *texts[:50]], max_rows=32)
    assert np.array_equal(with_others[300:], alone[:50])
    # the fake does make a row depend on its company when batches ignore the texts
    assert not np.array_equal(shape_dependent(ShapeModel(), texts[:3])[0], shape_dependent(ShapeModel(), texts[:9])[0])


def test_every_pass_holds_texts_of_one_exact_token_count_in_rows_fixed_by_that_count_without_padding():
    texts = texts_of(300)
    model = ShapeModel()
    vectors = encode_fixed(model, texts, step=1, budget=640, max_rows=64)
    for (rows, length), mask, _ in model.passes:
        assert bool(mask.all())  # no pad token anywhere
        assert rows == rows_for(length, budget=640, max_rows=64)
    lengths = {len(t) + 2 for t in texts}
    assert {length for (_, length), _, _ in model.passes} == lengths
    assert np.allclose(vectors[:, 1] / vectors[:, 3], [(len(t) + 2) / (len(t) + 2) for t in texts])


def test_repeats_fill_the_last_batch_and_their_results_are_discarded():
    texts = [f"{i:04d}" for i in range(21)]  # one token count: 3 batches of 8, the last 5 real + 3 repeats
    model = ShapeModel()
    vectors = encode_fixed(model, texts, step=1, budget=48, max_rows=8)
    assert [shape for shape, _, _ in model.passes] == [(8, 6)] * 3
    assert vectors.shape == (21, 4)
    sums = [1 + sum(ord(c) % 50 + 2 for c in t) + 1 for t in texts]
    assert np.allclose(vectors[:, 0] / vectors[:, 1], np.array(sums) / 6)  # each row is its own text, in order


def test_duplicates_are_embedded_once_and_padding_depends_on_the_text_alone():
    texts = ["same", "other text", "same", "x"]
    model = ShapeModel()
    vectors = encode_fixed(model, texts, step=8, max_rows=1)
    assert np.array_equal(vectors[0], vectors[2])
    assert sorted(int(mask.sum()) for _, mask, _ in model.passes) == [3, 6, 12]  # three texts, each once
    assert sorted(shape[1] for shape, _, _ in model.passes) == [8, 8, 16]  # padded to their own multiple of 8


def test_rows_keep_under_the_token_budget_as_a_function_of_the_length_only():
    assert rows_for(16) == 512 and rows_for(128) == 512 and rows_for(512) == 128
    assert all(rows_for(n) * n <= 65_536 and rows_for(n) % 8 == 0 for n in range(1, 1025))
    assert [bucket_length(n) for n in (1, 8, 9, 512)] == [8, 8, 16, 512]
    batches = fixed_batches([5, 5, 5, 30], ["c", "a", "b", "d"], step=1, budget=10, max_rows=8)
    assert [(length, idx.tolist(), real) for length, idx, real in batches] == [
        (30, [3], 1), (5, [1, 2], 2), (5, [0, 0], 1)]  # key order within a length, the last filled with repeats


def test_a_texts_part_depends_on_its_content_not_on_the_order():
    keys = [text_hash(t) for t in texts_of(100)]
    parts = content_parts(keys, part_texts=30)
    assert len(parts) == 4 and sorted(np.concatenate(parts).tolist()) == list(range(100))
    reversed_parts = content_parts(keys[::-1], part_texts=30)
    assert [sorted(keys[99 - i] for i in p) for p in reversed_parts] == [sorted(keys[i] for i in p) for p in parts]


def test_the_next_part_is_tokenised_while_the_model_runs_this_one():
    texts = texts_of(120)
    parts = content_parts([text_hash(t) for t in texts], part_texts=40)
    first = len(fixed_batches([len(texts[i]) + 2 for i in parts[0]], [text_hash(texts[i]) for i in parts[0]]))
    # tokeniser calls of 256 texts: one per part; the first pass waits until part 2's call has finished
    model = ShapeModel(wait_for=[2])
    encode_fixed(model, texts, workers=2, part_texts=40)
    counts = [tokenised for _, _, tokenised in model.passes]
    assert counts[0] == 2  # part 2 was tokenised ahead of the first pass
    assert counts[first] == 3 and len(parts) == 3  # and part 3 while part 2 ran


def test_progress_counts_distinct_texts_to_the_end():
    calls: list[tuple[int, int]] = []
    encode_fixed(ShapeModel(), [*texts_of(50), "a", "a"], progress=lambda *c: calls.append(c), step=1, max_rows=8)
    assert calls[-1] == (51, 51) and all(done <= 51 for done, _ in calls)


def test_embedder_on_cuda_goes_through_the_fixed_batches():
    embedder = SentenceTransformerEmbedder(device="cuda", batch_size=8)
    model = ShapeModel()
    embedder._model, embedder.device = model, "cuda"  # type: ignore[assignment]
    texts = texts_of(30)
    vectors = embedder.encode(texts)
    assert vectors.shape == (30, 4) and all(shape[0] <= 8 for shape, _, _ in model.passes)
    assert np.array_equal(vectors, encode_fixed(ShapeModel(), texts, max_rows=8))


def test_fp16_cuda_vectors_have_their_own_cache_identity(monkeypatch):
    import core.represent.embedders.sentence_transformer as st_module

    assert SentenceTransformerEmbedder(device="cuda").model_id == "st-fp16-cuda:all-MiniLM-L6-v2"
    assert SentenceTransformerEmbedder(device="cpu").model_id == "st:all-MiniLM-L6-v2"
    monkeypatch.setattr(st_module, "gpu_driver_present", lambda: False)
    assert SentenceTransformerEmbedder(device="auto").model_id == "st:all-MiniLM-L6-v2"


def test_a_run_of_fp16_cuda_vectors_reads_them_back_as_fp16_on_cuda():
    from core.runs.assign import _embedder_choice

    class Run:
        embedder, model, backend, seed = "model", "all-MiniLM-L6-v2", "torch", 0
        embedding_model = "st-fp16-cuda:all-MiniLM-L6-v2"

    choice = _embedder_choice(Run())  # type: ignore[arg-type]
    assert (choice.device, choice.backend) == ("cuda", "torch")
    Run.embedding_model = "st:all-MiniLM-L6-v2"
    assert _embedder_choice(Run()).device == "auto"  # type: ignore[arg-type]


@pytest.mark.slow
def test_fixed_batches_give_sentence_transformers_vectors_on_cpu():
    frame = pd.read_csv(REVIEWS_150, dtype=str, keep_default_na=False)
    texts = [*frame["Review Text"], *[t for t in frame["Title"] if t][:40], "", "ok", "too small", "love it!!"]
    assert len(texts) >= 190 and "" in texts
    model = SentenceTransformerEmbedder(device="cpu").model
    ours = encode_fixed(model, texts, max_rows=16)
    reference = model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    assert np.abs(ours - reference).max() <= 1e-5
    assert (ours * reference).sum(axis=1).min() >= 0.99999


def test_rays_gpu_plan_gives_the_driver_the_actors_fp16_cuda_identity_without_a_gpu():
    from dataclasses import replace

    from core.distributed.engine import actor_plan
    from core.parameters import SegmentParams
    from core.represent.embedders import EMBEDDERS

    plan = actor_plan({"CPU": 8.0, "GPU": 2.0})
    params = replace(SegmentParams(embedder="model"), backend=plan.backend, device=plan.device)  # as segment_on_ray
    embedder, _ = EMBEDDERS["model"].build(params.embedder_choice())
    assert embedder.model_id == "st-fp16-cuda:all-MiniLM-L6-v2"  # this machine has no GPU: nothing was loaded
    assert actor_plan({"CPU": 8.0}).device is None
