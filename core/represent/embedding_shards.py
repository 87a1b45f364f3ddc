"""Immutable shard files of one model's embeddings: ``workspace/embeddings/<model hash>/*.arrow``.

Each shard is an Arrow IPC file (one record batch: ``key`` the 20-byte sha1 of the text, ``vector`` a
fixed-size list of float32, the model id in the schema's metadata), written whole through a temporary file
and ``os.replace`` under a name no other writer can pick (time, pid, random), so any number of processes on
any storage write at once without a lock and a killed writer leaves only an invisible ``.tmp`` file.
Readers index the shards' keys lazily and re-list the folder on every lookup; a shard that vanishes under a
reader (a compaction merged it) is re-read from the merged shard."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from core.storage.atomic import atomic_write_bytes
from core.storage.hashing import stable_hash

SUFFIX = ".arrow"
KEY_BYTES = 20  # a sha1 digest
STALE_TMP_S = 3600  # a temporary file this old belongs to a writer that died
SETTLED_AFTER = 16  # shards outside the merged index before it is rebuilt


def model_folder(workspace: Path, model_id: str) -> Path:
    """The folder of ``model_id``'s shards in ``workspace``."""
    return Path(workspace) / "embeddings" / stable_hash(model_id)


def keys_of(hashes: Sequence[str]) -> np.ndarray:
    """Hex sha1 digests as a (n, 20) uint8 matrix."""
    return np.frombuffer(b"".join(bytes.fromhex(h) for h in hashes), dtype=np.uint8).reshape(-1, KEY_BYTES)


def _prefix(keys: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each key as one uint64: the index sorts these, then checks the whole key."""
    return np.ascontiguousarray(keys[:, :8]).view(">u8").ravel().astype(np.uint64)


def write_shard(folder: Path, model_id: str, keys: np.ndarray, vectors: np.ndarray) -> Path:
    """Write one shard of ``keys`` (n, 20) uint8 and ``vectors`` (n, dim) atomically; returns its path."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    key_array = pa.FixedSizeBinaryArray.from_buffers(pa.binary(KEY_BYTES), len(keys),
                                                    [None, pa.py_buffer(np.ascontiguousarray(keys).tobytes())])
    vector_array = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), vectors.shape[1])
    table = pa.table({"key": key_array, "vector": vector_array}, metadata={"model": model_id})
    path = folder / f"{time.time_ns():016x}-{os.getpid()}-{uuid.uuid4().hex[:8]}{SUFFIX}"

    def write(tmp: Path) -> None:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=max(len(keys), 1))

    atomic_write_bytes(path, write)
    return path


def read_shard(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A shard's (keys (n, 20) uint8, vectors (n, dim) float32), memory-mapped; FileNotFoundError if gone."""
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    keys = table.column("key").combine_chunks()
    vectors = table.column("vector").combine_chunks()
    n, dim = len(keys), vectors.type.list_size
    key_bytes = np.frombuffer(keys.buffers()[1], dtype=np.uint8)[keys.offset * KEY_BYTES:][: n * KEY_BYTES]
    values = vectors.values.to_numpy(zero_copy_only=True)[vectors.offset * dim:][: n * dim]
    return key_bytes.reshape(n, KEY_BYTES), values.reshape(n, dim)


def shard_paths(folder: Path) -> list[Path]:
    """The finished shards in ``folder`` (temporary files start with a dot and are never listed)."""
    try:
        return sorted(folder / name for name in os.listdir(folder)
                      if name.endswith(SUFFIX) and not name.startswith("."))
    except FileNotFoundError:
        return []


@dataclass
class ShardIndex:
    """Which shard and row holds each key of one model: a sorted index over the settled shards plus the
    shards that appeared since, re-listed on every lookup and rebuilt when ``SETTLED_AFTER`` are new."""

    folder: Path
    shards: list[Path] = field(default_factory=list)
    prefixes: dict[Path, np.ndarray] = field(default_factory=dict)
    settled: list[Path] = field(default_factory=list)
    sorted_prefix: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    sorted_shard: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    sorted_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def refresh(self) -> None:
        """Pick up new shards and forget vanished ones."""
        paths = shard_paths(self.folder)
        if paths == self.shards:
            return
        present = set(paths)
        self.prefixes = {p: v for p, v in self.prefixes.items() if p in present}
        for path in paths:
            if path not in self.prefixes:
                try:
                    self.prefixes[path] = _prefix(read_shard(path)[0])
                except FileNotFoundError:  # merged away between listing and reading
                    continue
        self.shards = [p for p in paths if p in self.prefixes]
        if not set(self.settled) <= present or len(self.shards) - len(self.settled) > SETTLED_AFTER:
            self._settle()

    def _settle(self) -> None:
        self.settled = list(self.shards)
        parts = [self.prefixes[p] for p in self.settled]
        prefix = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        shard = np.repeat(np.arange(len(parts), dtype=np.int32), [len(p) for p in parts])
        row = np.concatenate([np.arange(len(p)) for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        order = np.argsort(prefix, kind="stable")
        self.sorted_prefix, self.sorted_shard, self.sorted_row = prefix[order], shard[order], row[order]

    def candidates(self, prefixes: np.ndarray) -> dict[Path, tuple[np.ndarray, np.ndarray]]:
        """Per shard, (positions in ``prefixes``, rows in the shard) whose key prefix it holds."""
        found: dict[Path, tuple[np.ndarray, np.ndarray]] = {}
        if len(self.sorted_prefix):
            at = np.minimum(np.searchsorted(self.sorted_prefix, prefixes), len(self.sorted_prefix) - 1)
            hit = np.flatnonzero(self.sorted_prefix[at] == prefixes)
            shard = self.sorted_shard[at[hit]]
            for s in np.unique(shard):
                chosen = shard == s
                found[self.settled[s]] = (hit[chosen], self.sorted_row[at[hit[chosen]]])
        settled = set(self.settled)
        for path in self.shards:
            if path in settled:
                continue
            own = self.prefixes[path]
            order = np.argsort(own, kind="stable")
            at = np.minimum(np.searchsorted(own[order], prefixes), len(own) - 1)
            hit = np.flatnonzero(own[order][at] == prefixes)
            if len(hit):
                found[path] = (hit, order[at[hit]])
        return found


_INDEXES: dict[Path, ShardIndex] = {}


def index_for(folder: Path) -> ShardIndex:
    """This process's index of ``folder``, kept in memory between lookups."""
    folder = Path(folder).resolve()
    if folder not in _INDEXES:
        _INDEXES[folder] = ShardIndex(folder)
    return _INDEXES[folder]


def lookup_shards(folder: Path, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(found mask, float32 matrix with a row per key; no columns when nothing is found) from the shards."""
    found = np.zeros(len(keys), dtype=bool)
    vectors = np.zeros((len(keys), 0), dtype=np.float32)
    index = index_for(folder)
    prefixes = _prefix(keys)
    for _ in range(5):  # a compaction may remove a shard between listing and reading it
        index.refresh()
        todo = np.flatnonzero(~found)
        vanished = False
        for path, (positions, rows) in index.candidates(prefixes[todo]).items():
            order = np.argsort(rows)  # read the shard front to back
            positions, rows = todo[positions[order]], rows[order]
            try:
                shard_keys, shard_vectors = read_shard(path)
            except FileNotFoundError:
                vanished = True
                continue
            same = (shard_keys[rows] == keys[positions]).all(axis=1) & ~found[positions]
            if not vectors.shape[1]:
                vectors = np.zeros((len(keys), shard_vectors.shape[1]), dtype=np.float32)
            vectors[positions[same]] = shard_vectors[rows[same]]
            found[positions[same]] = True
        if not vanished:
            break
    return found, vectors


def merge_shards(folder: Path, model_id: str, paths: Iterable[Path]) -> Path | None:
    """Write the distinct keys of ``paths`` as one shard, then delete them; returns the new shard.

    Readers never miss a key: the merged shard is in place before any input goes; inputs already gone
    (another compaction took them) are skipped."""
    keys, vectors, merged = [], [], []
    for path in paths:
        try:
            k, v = read_shard(path)
        except FileNotFoundError:
            continue
        keys.append(k)
        vectors.append(np.array(v))
        merged.append(path)
    if len(merged) < 2:
        return None
    all_keys = np.concatenate(keys)
    _, first = np.unique(all_keys.view(f"V{KEY_BYTES}").ravel(), return_index=True)
    shard = write_shard(folder, model_id, all_keys[first], np.concatenate(vectors)[first])
    for path in merged:
        path.unlink(missing_ok=True)
    return shard


def shard_rows(path: Path) -> int:
    """The number of vectors in one shard (0 when it is gone)."""
    try:
        return int(pa.ipc.open_file(pa.memory_map(str(path))).read_all().num_rows)
    except FileNotFoundError:
        return 0


def model_of(path: Path) -> str:
    """The model id a shard was written for."""
    metadata = pa.ipc.open_file(pa.memory_map(str(path))).schema.metadata or {}
    return metadata.get(b"model", b"").decode("utf-8")


def remove_stale_temporaries(folder: Path, now: float | None = None) -> int:
    """Delete temporary files left by writers that died (older than ``STALE_TMP_S``); returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in folder.glob(".*.tmp"):
        try:
            if now - path.stat().st_mtime > STALE_TMP_S:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
