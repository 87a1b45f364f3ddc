"""The embedding cache with many writers at once: the old single SQLite file against the per-writer shards.

``WRITERS`` processes each store ``PER_WRITER`` vectors of ``DIM`` float32 in blocks of ``BLOCK`` (as a Ray
embedding actor does, one call per block), all released together; then a fresh process looks up every key in
a shuffled order (its first lookup, so the shards' index is loaded inside the timing), and the shards are
compacted and looked up again. Both stores run side by side in one run, on the same keys and vectors.

Run: ``python -m bench.cache_bench`` (writes the ``embed_cache`` section of docs/BENCHMARKS.md).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import WORK
from bench.report import cpu_info, write_section

WRITERS, DIM, BLOCK = 4, 384, 2_048
PER_WRITER = int(os.environ.get("CACHE_BENCH_PER_WRITER", "50000"))  # smaller for a quick try
MODEL = "bench:384"


def _hashes(writer: int) -> list[str]:
    return [hashlib.sha1(f"{writer}-{i}".encode()).hexdigest() for i in range(PER_WRITER)]


def _open(kind: str, workspace: Path):  # type: ignore[no-untyped-def]
    if kind == "sqlite":
        from core.represent.sqlite_embedding_cache import SqliteEmbeddingCache

        return SqliteEmbeddingCache(workspace)
    from core.represent.embedding_cache import EmbeddingCache

    return EmbeddingCache(workspace)


def _writer(kind: str, workspace: str, writer: int, ready, start, done) -> None:  # type: ignore[no-untyped-def]
    hashes = _hashes(writer)
    vectors = np.random.default_rng(writer).standard_normal((PER_WRITER, DIM)).astype(np.float32)
    cache = _open(kind, Path(workspace))
    ready.put(writer)
    start.wait()
    for first in range(0, PER_WRITER, BLOCK):
        cache.store(MODEL, hashes[first:first + BLOCK], vectors[first:first + BLOCK])
    done.put(time.time())


def _reader(kind: str, workspace: str, done) -> None:  # type: ignore[no-untyped-def]
    hashes = [h for w in range(WRITERS) for h in _hashes(w)]
    order = np.random.default_rng(0).permutation(len(hashes))
    asked = [hashes[i] for i in order]
    cache = _open(kind, Path(workspace))
    started = time.perf_counter()
    found, vectors = cache.lookup(MODEL, asked)
    seconds = time.perf_counter() - started
    right = True
    for writer in range(WRITERS):  # the first 1,000 answers against the vectors their writer drew
        mine = np.flatnonzero(order[:1000] // PER_WRITER == writer)
        drawn = np.random.default_rng(writer).standard_normal((PER_WRITER, DIM)).astype(np.float32)
        right &= bool(np.array_equal(vectors[mine], drawn[order[mine] % PER_WRITER]))
    done.put((seconds, int(found.sum()), bool(right)))


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def measure(kind: str, workspace: Path) -> dict[str, float]:
    """Write with ``WRITERS`` processes at once, then look every key up from a fresh process."""
    spawn = multiprocessing.get_context("spawn")
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True)
    ready, start, done = spawn.Queue(), spawn.Event(), spawn.Queue()
    writers = [spawn.Process(target=_writer, args=(kind, str(workspace), w, ready, start, done))
               for w in range(WRITERS)]
    for process in writers:
        process.start()
    for _ in writers:  # every writer has imported and drawn its vectors
        ready.get(timeout=600)
    started = time.time()
    start.set()
    ends = [done.get(timeout=1800) for _ in writers]
    for process in writers:
        process.join()
        if process.exitcode:
            raise RuntimeError(f"a {kind} writer failed")
    result = {"write_s": max(ends) - started, "mb": _size_mb(workspace)}
    if kind == "shards":
        from core.represent.embedding_cache import compact
        from core.represent.embedding_shards import model_folder, shard_paths

        folder = model_folder(workspace, MODEL)
        result["files"] = len(shard_paths(folder))
        result["lookup_before_compact_s"] = _lookup(kind, workspace)[0]
        began = time.perf_counter()
        compact(workspace)
        result["compact_s"] = time.perf_counter() - began
        result["files_after_compact"] = len(shard_paths(folder))
    result["lookup_s"], result["found"], result["right"] = _lookup(kind, workspace)
    return result


def _lookup(kind: str, workspace: Path) -> tuple[float, int, bool]:
    spawn = multiprocessing.get_context("spawn")
    done = spawn.Queue()
    reader = spawn.Process(target=_reader, args=(kind, str(workspace), done))
    reader.start()
    seconds, found, right = done.get(timeout=1800)
    reader.join()
    return seconds, found, right


def run() -> str:
    """Measure both stores side by side and write the ``embed_cache`` section."""
    load = Path("/proc/loadavg").read_text().split()[:3]
    root = WORK / "cache_bench"
    sqlite = measure("sqlite", root / "sqlite")
    shards = measure("shards", root / "shards")
    shutil.rmtree(root, ignore_errors=True)
    total = WRITERS * PER_WRITER
    cpu, flags = cpu_info()
    body = f"""{WRITERS} writer processes at once, each storing {PER_WRITER:,} vectors of {DIM} float32 in blocks of \
{BLOCK:,} (one `store` per block, as a Ray embedding actor writes); then one fresh process looks up all \
{total:,} keys in shuffled order (its first lookup: the shards' key index is loaded inside the timing). \
Same keys and vectors for both, run one after the other in one run, on local disk. CPU: {cpu} \
({len(flags)} flags); load average before: {" ".join(load)}.

| store | write wall (4 writers) | vectors/s | on disk | files | lookup of {total:,} keys, fresh process |
|---|---|---|---|---|---|
| SQLite `embeddings.sqlite` (WAL, one file) | {sqlite['write_s']:.1f} s | {total / sqlite['write_s']:,.0f} | \
{sqlite['mb']:.0f} MB | 1 | {sqlite['lookup_s']:.2f} s ({sqlite['found']:,} found) |
| Arrow shards, as written | {shards['write_s']:.1f} s | {total / shards['write_s']:,.0f} | {shards['mb']:.0f} MB | \
{shards['files']:.0f} | {shards['lookup_before_compact_s']:.2f} s |
| Arrow shards, after `compact()` ({shards['compact_s']:.1f} s) | | | | {shards['files_after_compact']:.0f} | \
{shards['lookup_s']:.2f} s ({shards['found']:,} found) |

Shards write {sqlite['write_s'] / shards['write_s']:.1f}× faster and look up \
{sqlite['lookup_s'] / shards['lookup_s']:.1f}× faster here (vectors checked: \
{'right' if sqlite['right'] and shards['right'] else 'WRONG'}). SQLite holds these 4 local writers only by \
serialising them (each waits on the one write lock, `timeout=30`); its locks are not safe on network file \
systems, which this local-disk run cannot show, so the app no longer writes it. Each shard writer takes no lock \
at all: a file is renamed into place whole under a name no other writer uses."""
    write_section("embed_cache", "Embedding cache: SQLite against per-writer shards", body)
    return body


if __name__ == "__main__":
    print(run())
    sys.exit(0)
