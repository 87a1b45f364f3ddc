"""Embeddings per (model id, text) in the workspace's ``embeddings.sqlite``: re-running with other
parameters never re-embeds a text the model has seen (WAL, concurrent-safe, atomic)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.represent.embedders.base import Embedder, Progress
from core.storage.hashing import text_hash


class EmbeddingCache:
    """Vectors per (model id, sha1 of text) in ``embeddings.sqlite``."""

    def __init__(self, workspace: Path) -> None:
        self.path = Path(workspace) / "embeddings.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, text_sha1 TEXT, vector BLOB, "
                "PRIMARY KEY (model, text_sha1)) WITHOUT ROWID"
            )

    def _connect(self) -> sqlite3.Connection:
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
        rows = [(model_id, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in zip(hashes, vectors)]
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)

    def embed(self, embedder: Embedder, texts: Sequence[str],
              progress: Progress | None = None) -> tuple[np.ndarray, int]:
        """Embed ``texts`` through the cache; returns (vectors, number of texts served from the cache).

        Each distinct text is read or embedded once; repeated texts share its vector."""
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
