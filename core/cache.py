"""The workspace's content-addressed cache.

* Embeddings per (model id, text) in an SQLite file: re-running with other parameters never
  re-embeds a text the model has seen.
* Every later stage's result per key = hash(parent key, parameters, versions), as a folder of
  ``.npy`` arrays and a ``meta.json``, written to a temporary folder and renamed into place so a
  crash never leaves a half-written entry. Arrays load with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.embed import Embedder, Progress


def stable_hash(*parts: object) -> str:
    """A short hash of JSON-serialisable parts (dict keys sorted)."""
    payload = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def array_hash(array: np.ndarray) -> str:
    """Hash of an array's shape, dtype and bytes."""
    array = np.ascontiguousarray(array)
    digest = hashlib.sha256(f"{array.shape}{array.dtype}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()[:20]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` then move the temporary file onto ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_folder(folder: Path, fill: Callable[[Path], None], replace: bool = False) -> None:
    """Create ``folder`` whole or not at all: ``fill`` writes into a temporary sibling that is renamed into place.

    When ``folder`` already exists it is kept (another process finished the same folder first), or
    with ``replace`` moved aside and removed once the new one is in place. On any error the
    temporary folder is removed and the error raised.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    aside = None
    try:
        fill(tmp)
        if replace and folder.exists():
            aside = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old."))
            os.replace(folder, aside / folder.name)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process finished the same folder first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


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

    def embed(self, embedder: Embedder, texts: Sequence[str], progress: Progress | None = None) -> tuple[np.ndarray, int]:
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


class StageCache:
    """Results of pipeline stages under ``stages/<stage>/<key>/``."""

    def __init__(self, workspace: Path) -> None:
        self.root = Path(workspace) / "stages"

    def _dir(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def get(self, stage: str, key: str) -> tuple[dict[str, np.ndarray], dict] | None:
        """The stored (arrays, meta) for this key, or None."""
        folder = self._dir(stage, key)
        meta_path = folder / "meta.json"
        if not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in meta.get("_arrays", [])}
        except (OSError, ValueError):
            return None
        return arrays, meta

    def json_result(self, stage: str, key: str, compute: Callable[[], dict]) -> tuple[dict, bool]:
        """A JSON-only stage result for this key: stored, or computed and stored. Returns (result, cache hit).

        A computed result is returned as it reads back, so a first run and a cached one give the same
        types (JSON object keys are text)."""
        hit = self.get(stage, key)
        if hit is not None:
            return _public(hit[1]), True
        result = compute()
        self.put(stage, key, {}, result)
        stored = self.get(stage, key)
        return (_public(stored[1]) if stored else result), False

    def put(self, stage: str, key: str, arrays: dict[str, np.ndarray], meta: dict) -> None:
        """Store a stage result atomically (a finished folder appears, or nothing)."""
        folder = self._dir(stage, key)
        if (folder / "meta.json").exists():
            return

        def fill(tmp: Path) -> None:
            for name, array in arrays.items():
                np.save(tmp / f"{name}.npy", np.asarray(array), allow_pickle=False)
            (tmp / "meta.json").write_text(json.dumps({**meta, "_arrays": sorted(arrays)}, default=str),
                                           encoding="utf-8")

        atomic_folder(folder, fill)


def _public(meta: dict) -> dict:
    """A stored meta.json without the cache's own bookkeeping."""
    return {k: v for k, v in meta.items() if k != "_arrays"}
