"""Embeddings per (model id, text) in the workspace: re-running with other parameters never re-embeds a text
the model has seen. Vectors live in immutable shards under ``workspace/embeddings/<model hash>/``
(:mod:`core.represent.embedding_shards`), so every process — the local pipeline, each Ray actor — writes its
own files at once, without locks, on any shared storage. A workspace's older ``embeddings.sqlite`` is still
read (never written) for the texts no shard holds."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.represent.embedders.base import Embedder, Progress
from core.represent.embedding_shards import (
    keys_of,
    lookup_shards,
    merge_shards,
    model_folder,
    model_of,
    remove_stale_temporaries,
    shard_paths,
    shard_rows,
    write_shard,
)
from core.represent.sqlite_embedding_cache import SqliteEmbeddingCache
from core.storage.hashing import text_hash

SMALL_SHARD = 65_536  # vectors; shards below this are merged
MERGE_AT = 8  # small shards one writer leaves before it merges them

_OWN: dict[tuple[int, Path], list[Path]] = {}  # (pid, model folder) -> small shards this process wrote


class EmbeddingCache:
    """Vectors per (model id, sha1 of text) in the workspace's shards (and its legacy SQLite file)."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = Path(workspace)
        self.legacy = SqliteEmbeddingCache(self.workspace, readonly=True)

    def lookup(self, model_id: str, hashes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The cached vectors of distinct ``hashes``: (found mask, float32 matrix with a row per hash).

        Rows not found are zeros (the matrix has no columns when nothing is found)."""
        if not hashes:
            return np.zeros(0, dtype=bool), np.zeros((0, 0), dtype=np.float32)
        found, vectors = lookup_shards(model_folder(self.workspace, model_id), keys_of(hashes))
        missing = np.flatnonzero(~found)
        if len(missing) and self.legacy.path.exists():
            old_found, old = self.legacy.lookup(model_id, [hashes[int(i)] for i in missing])
            if old_found.any():
                if not vectors.shape[1]:
                    vectors = np.zeros((len(hashes), old.shape[1]), dtype=np.float32)
                vectors[missing[old_found]] = old[old_found]
                found[missing[old_found]] = True
        return found, vectors

    def store(self, model_id: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Write the vectors of ``hashes`` as one new shard (callers pass a whole block at once), then merge
        this process's small shards once ``MERGE_AT`` of them have piled up."""
        if not len(hashes):
            return
        folder = model_folder(self.workspace, model_id)
        shard = write_shard(folder, model_id, keys_of(hashes), vectors)
        own = _OWN.setdefault((os.getpid(), folder), [])
        if len(hashes) < SMALL_SHARD:
            own.append(shard)
        if len(own) >= MERGE_AT:
            merged = merge_shards(folder, model_id, own)
            own.clear()
            if merged is not None and shard_rows(merged) < SMALL_SHARD:
                own.append(merged)

    def embed(self, embedder: Embedder, texts: Sequence[str],
              progress: Progress | None = None) -> tuple[np.ndarray, int]:
        """Embed ``texts`` through the cache; returns (vectors, number of texts served from the cache).

        Each distinct text is read or embedded once; repeated texts share its vector; the new vectors are
        written as one shard."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), 0
        hashes = [text_hash(t) for t in texts]
        unique = list(dict.fromkeys(hashes))
        found, vectors = self.lookup(embedder.model_id, unique)
        todo = np.flatnonzero(~found)
        if len(todo):
            first_text: dict[str, str] = {}
            for h, t in zip(hashes, texts):
                first_text.setdefault(h, t)
            new = embedder.encode([first_text[unique[i]] for i in todo], progress=progress)
            self.store(embedder.model_id, [unique[i] for i in todo], new)
            if not vectors.shape[1]:
                vectors = np.zeros((len(unique), new.shape[1]), dtype=np.float32)
            vectors[todo] = new
        if len(unique) == len(hashes):
            return vectors, int(found.sum())
        position = {h: i for i, h in enumerate(unique)}
        rows = np.fromiter((position[h] for h in hashes), dtype=np.int64, count=len(hashes))
        return vectors[rows], int(found[rows].sum())


def compact(workspace: Path, target_rows: int = 1_000_000) -> int:
    """Merge every model's small shards in ``workspace`` into shards of about ``target_rows`` vectors and
    remove temporary files dead writers left; returns how many fewer shards there are.

    Safe while writers and readers run: a merged shard is written before its inputs are deleted, readers
    re-read a shard that vanished, and a shard a writer adds meanwhile is merged next time."""
    merged_away = 0
    for folder in sorted((Path(workspace) / "embeddings").glob("*/")):
        remove_stale_temporaries(folder)
        group: list[Path] = []
        rows = 0
        small = [(p, n) for p in shard_paths(folder) if 0 < (n := shard_rows(p)) < SMALL_SHARD]
        for i, (path, n) in enumerate(small):
            group.append(path)
            rows += n
            if rows >= target_rows or i == len(small) - 1:
                if len(group) > 1 and merge_shards(folder, model_of(group[0]), group) is not None:
                    merged_away += len(group) - 1
                group, rows = [], 0
    return merged_away
