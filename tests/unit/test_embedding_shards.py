"""The sharded embedding cache: many writer processes at once, killed writers, compaction under readers, the
legacy SQLite file still read, and the local pipeline reading what a Ray embedding actor wrote."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.distributed.embed import EmbedBatches
from core.distributed.embedders import driver_embedders
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.represent import embedding_cache, embedding_shards
from core.represent.embedders import EmbedderChoice
from core.represent.embedding_cache import EmbeddingCache, compact
from core.represent.embedding_shards import index_for, model_folder, remove_stale_temporaries, shard_paths
from core.represent.sqlite_embedding_cache import SqliteEmbeddingCache
from core.segment.cluster import ClusterParams
from core.testing.fake_embedder import FakeEmbedder

MODEL = "test:8"


def _hashes(start: int, stop: int) -> list[str]:
    return [hashlib.sha1(f"text {i}".encode()).hexdigest() for i in range(start, stop)]


def _vectors(hashes: list[str]) -> np.ndarray:
    """A vector that is a function of its key, so any mix-up between rows shows."""
    return np.array([[int(h[j:j + 4], 16) for j in range(0, 32, 4)] for h in hashes], dtype=np.float32)


def _write(workspace: str, start: int, stop: int, block: int) -> None:
    cache = EmbeddingCache(Path(workspace))
    for first in range(start, stop, block):
        hashes = _hashes(first, min(first + block, stop))
        cache.store(MODEL, hashes, _vectors(hashes))


def test_round_trip_across_shards_and_unknown_keys(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    assert not cache.lookup(MODEL, _hashes(0, 3))[0].any()  # nothing written yet: no folder, no error
    _write(str(tmp_path), 0, 30, block=10)
    asked = _hashes(25, 35) + _hashes(0, 5)
    found, vectors = EmbeddingCache(tmp_path).lookup(MODEL, asked)
    assert found.tolist() == [True] * 5 + [False] * 5 + [True] * 5
    assert np.array_equal(vectors[found], _vectors([h for h, f in zip(asked, found) if f]))
    assert not vectors[~found].any()
    assert not EmbeddingCache(tmp_path).lookup("other:8", asked)[0].any()  # another model's shards are apart


@pytest.mark.slow  # two fresh interpreters
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    writers = [spawn.Process(target=_write, args=(str(tmp_path), start, start + 3000, 100)) for start in (0, 1500)]
    for writer in writers:  # keys 1500-2999 are written by both
        writer.start()
    for writer in writers:
        writer.join(120)
        assert writer.exitcode == 0
    hashes = _hashes(0, 4500)
    found, vectors = EmbeddingCache(tmp_path).lookup(MODEL, hashes)
    assert found.all() and np.array_equal(vectors, _vectors(hashes))
    assert len(shard_paths(model_folder(tmp_path, MODEL))) < 60  # each writer merged its 30 small shards


def _write_then_hang(workspace: str, ready: multiprocessing.synchronize.Event) -> None:
    write = embedding_shards.atomic_write_bytes

    def hang(path: Path, fill: Callable[[Path], object]) -> None:
        def fill_then_hang(tmp: Path) -> None:
            fill(tmp)
            ready.set()
            time.sleep(60)

        write(path, fill_then_hang)

    embedding_shards.atomic_write_bytes = hang  # type: ignore[assignment]
    _write(workspace, 0, 100, block=100)


@pytest.mark.slow  # a fresh interpreter
def test_a_killed_writer_leaves_no_shard_visible(tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Event()
    writer = spawn.Process(target=_write_then_hang, args=(str(tmp_path), ready))
    writer.start()
    assert ready.wait(60)  # the shard's bytes are written, not yet renamed
    os.kill(int(writer.pid or 0), signal.SIGKILL)
    writer.join(30)
    folder = model_folder(tmp_path, MODEL)
    assert shard_paths(folder) == [] and len(list(folder.glob(".*.tmp"))) == 1
    assert not EmbeddingCache(tmp_path).lookup(MODEL, _hashes(0, 100))[0].any()
    assert remove_stale_temporaries(folder, now=time.time() + 2 * embedding_shards.STALE_TMP_S) == 1
    assert list(folder.iterdir()) == []


def test_readers_survive_a_compaction_that_removes_the_shards_they_indexed(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding_cache, "MERGE_AT", 10_000)  # keep every small shard for compact()
    _write(str(tmp_path), 0, 400, block=20)
    folder = model_folder(tmp_path, MODEL)
    hashes = _hashes(0, 400)
    assert EmbeddingCache(tmp_path).lookup(MODEL, hashes)[0].all() and len(shard_paths(folder)) == 20
    assert compact(tmp_path) == 19 and len(shard_paths(folder)) == 1
    stale = index_for(folder)
    skipped: list[bool] = []

    def refresh_late() -> None:  # the first look uses the index of the shards that were merged away
        if not skipped:
            skipped.append(True)
            return
        type(stale).refresh(stale)

    monkeypatch.setattr(stale, "refresh", refresh_late)
    found, vectors = EmbeddingCache(tmp_path).lookup(MODEL, hashes)
    assert skipped and found.all() and np.array_equal(vectors, _vectors(hashes))


def test_the_old_sqlite_cache_is_read_and_never_written(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    old_texts = ["red dress", "blue jeans"]
    SqliteEmbeddingCache(tmp_path).store(fake.model_id, [hashlib.sha1(t.encode()).hexdigest() for t in old_texts],
                                         fake.encode(old_texts))
    before = (tmp_path / "embeddings.sqlite").read_bytes()
    reader = FakeEmbedder()
    vectors, cached = EmbeddingCache(tmp_path).embed(reader, ["blue jeans", "green hat", "red dress"])
    assert cached == 2 and reader.calls == 1  # only the new text is embedded
    assert np.allclose(vectors, FakeEmbedder().encode(["blue jeans", "green hat", "red dress"]))
    assert (tmp_path / "embeddings.sqlite").read_bytes() == before
    assert len(shard_paths(model_folder(tmp_path, fake.model_id))) == 1  # the new vector went to a shard


def test_the_local_pipeline_reuses_what_a_ray_embedding_actor_wrote(tmp_path: Path) -> None:
    rows = 120
    frame = pd.DataFrame({"cid": [f"c{i}" for i in range(rows)], "spend": np.arange(rows, dtype=float),
                          "note": [f"word{i % 40}" for i in range(rows)]})
    params = SegmentParams(id_col="cid", text_cols=("note",), embedder="fake", stability_runs=0,
                           cluster=ClusterParams(algo="kmeans", k=3)).with_seed(1)
    roles = {"cid": "id", "spend": "numeric", "note": "text"}
    actor = EmbedBatches(roles, params.text_aggregation, driver_embedders(), EmbedderChoice(embedder="fake"),
                         str(tmp_path))
    written = actor(frame.iloc[:60]), actor(frame.iloc[60:])  # two blocks, as Ray hands them over
    assert [int(w["embedded"].iloc[0]) for w in written] == [60, 0]  # the second block's texts were all seen
    frame.to_parquet(tmp_path / "customers.parquet", index=False)
    done = run_segmentation(load_table(tmp_path / "customers.parquet"), params, tmp_path)
    assert done.run_info["embedding"]["embedded"] == 0 and done.run_info["embedding"]["from_cache"] == rows
