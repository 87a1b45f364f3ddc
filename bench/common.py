"""Shared pieces of the benchmarks: the data, the persistent bench workspace, timing helpers."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"  # git-ignored: workspaces, synthetic data, outputs
REVIEWS = ROOT.parent / "shared" / "data" / "womens_clothing_reviews.csv"
DEMO = ROOT / "data" / "demo" / "womens_clothing_reviews_3k.csv"
TEXT_COL = "Review Text"


def reviews() -> pd.DataFrame:
    """The 23,486 clothing reviews (the bundled 3,000-row sample when the full file is absent)."""
    return pd.read_csv(REVIEWS if REVIEWS.exists() else DEMO, dtype=str, keep_default_na=False)


def review_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` non-empty review texts, a seeded random sample."""
    texts = pd.Series([t for t in reviews()[TEXT_COL] if t.strip()])
    return texts.sample(n=min(n, len(texts)), random_state=seed).tolist()


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def interleaved(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Seconds of each run, ``repeats`` rounds, the runs interleaved so machine noise hits all alike."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            seconds[name].append(timed(fn)[0])
    return seconds


def median(values: list[float]) -> float:
    return statistics.median(values)
