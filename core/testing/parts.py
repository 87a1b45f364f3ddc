"""Synthetic customers written as a folder of Parquet parts, for the Ray engine's tests and benchmark.

``n`` customers (ids ``c0`` …) in ``n_segments`` planted groups: each has a short English note (about ten
words: three of its group's words and two common ones), an age and a monthly spend that lean by group, and a
plan (a category) that mostly follows the group. ``text=False`` leaves the note out (numbers and categories only).
:func:`write_damaged_parts` spoils such a folder in one of the ways the engine must refuse.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TOPICS = [
    ["delivery", "late", "courier", "parcel", "waiting"],
    ["price", "discount", "cheap", "coupon", "sale"],
    ["quality", "fabric", "stitching", "durable", "material"],
    ["size", "fit", "small", "tight", "large"],
    ["support", "agent", "refund", "helpful", "call"],
    ["app", "login", "crash", "update", "screen"],
    ["gift", "wrapping", "birthday", "present", "card"],
    ["colour", "shade", "bright", "faded", "dye"],
]
COMMON = ["good", "great", "bad", "fine", "poor", "okay", "nice", "slow"]
PLANS = ["basic", "plus", "premium", "family"]


def customers(n: int, n_segments: int = 8, seed: int = 0, text: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    """(the customers table, each customer's planted group)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_segments, n)
    frame = pd.DataFrame({"cid": [f"c{i}" for i in range(n)]})
    if text:
        topic = [TOPICS[g % len(TOPICS)] for g in group]
        words = rng.integers(0, 5, (n, 3))
        common = rng.integers(0, len(COMMON), (n, 2))
        frame["note"] = [f"The {t[w[0]]} was {COMMON[c[0]]} and the {t[w[1]]} is {COMMON[c[1]]}, about {t[w[2]]}."
                         for t, w, c in zip(topic, words, common)]
    frame["age"] = np.round(25 + 5 * group + rng.normal(0, 3, n), 1)
    frame["spend"] = np.round(20 * (1 + group % 4) + rng.gamma(2.0, 5.0, n), 2)
    plan = np.where(rng.random(n) < 0.8, group % len(PLANS), rng.integers(0, len(PLANS), n))
    frame["plan"] = [PLANS[p] for p in plan]
    return frame, group


def write_parts(folder: Path, n: int, n_parts: int = 4, n_segments: int = 8, seed: int = 0,
                text: bool = True) -> pd.DataFrame:
    """Write ``folder/part-00000.parquet`` … (``n_parts`` parts in id order); returns the whole table."""
    frame, _ = customers(n, n_segments, seed, text)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, rows in enumerate(np.array_split(np.arange(n), n_parts)):
        frame.iloc[rows].to_parquet(folder / f"part-{i:05d}.parquet", index=False)
    return frame


def write_damaged_parts(folder: Path, damage: str) -> None:
    """A folder of parts damaged one way: ``empty`` (no parts), ``schema`` (a part with other columns),
    ``corrupt`` (a Parquet part cut short) or ``mixed`` (a CSV among the Parquet parts)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if damage == "empty":
        return
    write_parts(folder, 40, n_parts=2)
    if damage == "schema":
        pd.DataFrame({"cid": ["x"], "spend": ["y"]}).to_parquet(folder / "part-00009.parquet")
    elif damage == "corrupt":
        (folder / "part-00001.parquet").write_bytes(b"PAR1\x00\x01 cut short")
    elif damage == "mixed":
        pd.DataFrame({"cid": ["x"]}).to_csv(folder / "extra.csv", index=False)
