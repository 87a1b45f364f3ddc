"""Search speed on synthetic customers: index build time and query latency once the index exists.

``n`` customers (default 1,000,000) with random unit text vectors (384 dimensions, as all-MiniLM-L6-v2) and
synthetic English texts (10 to 30 words drawn with Zipf-like frequencies from 5,000 made-up words). The vectors
stand in for the embedding cache: the query is embedded by a stand-in that returns a random unit vector, so the
figures are the index's own (embedding one query with a real model adds its forward pass, milliseconds).

Usage: ``python -m bench.search_bench [--n N] [--queries Q] [--write]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections.abc import Sequence

import numpy as np

from bench.common import WORK
from bench.report import write_section
from core.represent.embedders import EmbedderChoice
from core.search import index as search_index
from core.search.index import SearchIndex

DIM = 384


class StandIn:
    """A query embedder that returns random unit vectors (the texts' vectors are given)."""

    name, backend, per_text, model_id = "bench", "auto", True, f"bench:{DIM}"

    def __init__(self) -> None:
        self.rng = np.random.default_rng(1)

    def encode(self, texts: Sequence[str], progress: object = None) -> np.ndarray:
        vectors = self.rng.standard_normal((len(texts), DIM)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def synthetic(n: int, seed: int = 0) -> tuple[list[str], np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "pe", "da", "gu", "zo"]
    words = list(dict.fromkeys("".join(rng.choice(syllables, rng.integers(2, 4))) for _ in range(8000)))[:5000]
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    lengths = rng.integers(10, 31, n)
    picks = rng.choice(len(words), int(lengths.sum()), p=weights)
    vocab = np.array(words, dtype=object)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    texts = [" ".join(vocab[picks[bounds[i]:bounds[i + 1]]]) for i in range(n)]
    vectors = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        block = rng.standard_normal((min(100_000, n - start), DIM)).astype(np.float32)
        vectors[start:start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    queries = [" ".join(rng.choice(words[20:2000], 2)) for _ in range(50)]
    return texts, vectors, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    workspace = WORK / "search-bench"
    shutil.rmtree(workspace, ignore_errors=True)
    texts, vectors, queries = synthetic(args.n)
    stand_in = StandIn()
    search_index.meaning.build = lambda choice: stand_in  # type: ignore[assignment]
    search_index.meaning.text_matrix = lambda embedder, texts, workspace: vectors  # type: ignore[assignment]
    started = time.perf_counter()
    index = SearchIndex(texts, EmbedderChoice(embedder="fake"), workspace)
    index.prepare()
    build = time.perf_counter() - started
    started = time.perf_counter()
    reopened = SearchIndex(texts, EmbedderChoice(embedder="fake"), workspace)
    reopened.prepare()
    load = time.perf_counter() - started
    times, cpu = [], []
    for query in queries[: args.queries]:
        started, started_cpu = time.perf_counter(), time.process_time()
        reopened.query(query, args.top)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    with open("/proc/loadavg") as handle:
        load_average = handle.read().split()[0]
    median, worst, median_cpu = statistics.median(times), max(times), statistics.median(cpu)
    print(f"n={args.n:,}: build {build:.1f} s, open from the cache {load:.1f} s, query median {median * 1000:.0f} ms, "
          f"max {worst * 1000:.0f} ms, CPU time {median_cpu * 1000:.0f} ms (load average {load_average})")
    if args.write:
        write_section("search-speed", "Search speed", (
            f"`python -m bench.search_bench --write`: {args.n:,} synthetic customers (random unit vectors of {DIM} "
            "dimensions standing in for the embedding cache, English-like texts of 10 to 30 words from 5,000 "
            f"words), {len(times)} two-word queries, top {args.top}; load average {load_average} at the end.\n\n"
            "| step | seconds |\n| --- | --- |\n"
            f"| build the index (BM25 words + vectors) and store it in the stage cache | {build:.1f} |\n"
            f"| open it from the stage cache (a new process, a new app session) | {load:.1f} |\n"
            f"| one query once it is open, median (max) | {median:.3f} ({worst:.3f}) |\n"
            f"| the same, CPU time of the process (all its threads), median | {median_cpu:.3f} |\n\n"
            "On this shared 2-core machine the wall-clock figures are mostly waiting for a core (the load average "
            "above); the CPU time is what a query costs an idle machine, give or take its memory bandwidth.\n\n"
            "A query is one matrix-vector product over the vectors, BM25 column sums for its terms, pseudo-relevance "
            "feedback over the 30 best first-pass rows and two partial sorts; embedding the query with a real model "
            "adds its forward pass.\n"))


if __name__ == "__main__":
    main()
