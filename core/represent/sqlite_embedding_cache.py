"""The embedding cache as it was until it sharded: one ``embeddings.sqlite`` per workspace. Still read (a
workspace made before keeps its vectors, :mod:`core.represent.embedding_cache` opens it read-only) and kept
whole so ``bench/cache_bench.py`` can measure it against the shards; nothing in the app writes it any more."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class SqliteEmbeddingCache:
    """Vectors per (model id, sha1 of text) in ``embeddings.sqlite``; ``readonly`` opens an existing file
    without creating or changing anything."""

    def __init__(self, workspace: Path, readonly: bool = False) -> None:
        self.path = Path(workspace) / "embeddings.sqlite"
        self.readonly = readonly
        if readonly:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, text_sha1 TEXT, vector BLOB, "
                "PRIMARY KEY (model, text_sha1)) WITHOUT ROWID"
            )

    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", timeout=30, uri=True)
        return sqlite3.connect(self.path, timeout=30)

    def lookup(self, model_id: str, hashes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The cached vectors of distinct ``hashes``: (found mask, float32 matrix with a row per hash).

        Rows are written straight into one matrix, so reading 200,000 vectors costs that matrix and no
        more; rows not found are zeros (the matrix has no columns when nothing is found)."""
        found = np.zeros(len(hashes), dtype=bool)
        vectors = np.zeros((len(hashes), 0), dtype=np.float32)
        row = {h: i for i, h in enumerate(hashes)}
        with self._connect() as db:
            for start in range(0, len(hashes), 900):
                part = hashes[start : start + 900]
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    f"SELECT text_sha1, vector FROM embeddings WHERE model=? AND text_sha1 IN ({marks})",
                    [model_id, *part],
                )
                for key, blob in rows:
                    if not vectors.shape[1]:
                        vectors = np.zeros((len(hashes), len(blob) // 4), dtype=np.float32)
                    vectors[row[key]] = np.frombuffer(blob, dtype=np.float32)
                    found[row[key]] = True
        return found, vectors

    def store(self, model_id: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Write (or overwrite) one vector per hash in a single transaction."""
        rows = [(model_id, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in zip(hashes, vectors)]
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)
