"""A hand-picked group of customers (a lasso or box on the map): its profile, and saving it as a segment.

The profile reuses :mod:`core.profile` (the selection against everyone else). Saving relabels the
chosen customers of a saved run to a new segment id (one above the largest, so existing ids and
names stay as they were), re-profiles every segment and rewrites the run's files atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from core.cache import atomic_write_bytes, atomic_write_text
from core.errors import ParameterError
from core.export import json_text
from core.features import Customers
from core.profile import (UNASSIGNED, category_traits, distinctive_terms, numeric_traits, profile_segments,
                          quality, representatives)
from core.store import SavedRun, load_run


def saved_customers(run: SavedRun) -> Customers:
    """The run's customers as :class:`Customers`, as the profile functions take them."""
    return Customers(run.customers, dict(run.run_info["roles"]), list(run.texts))


def _mask(run: SavedRun, rows: list[int] | np.ndarray) -> np.ndarray:
    rows = np.unique(np.asarray(list(rows), dtype=np.int64))
    n = len(run.segments)
    if len(rows) == 0:
        raise ParameterError("No customers are selected. Draw a lasso or a box around some points on the map.")
    if rows.min() < 0 or rows.max() >= n:
        raise ParameterError(f"The selection names customers outside this run (it has {n:,}). Select again.")
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def selection_profile(run: SavedRun, rows: list[int] | np.ndarray) -> dict:
    """Profile of the selected rows against everyone else: size, share, words, numbers, categories,
    representative members and how the selection spreads over the existing segments."""
    mask = _mask(run, rows)
    customers = saved_customers(run)
    words = distinctive_terms(customers.texts, mask.astype(np.int32)).get(1, []) if not mask.all() else []
    in_segments = run.segments.loc[mask, "segment_name"].value_counts()
    return {
        "size": int(mask.sum()), "share": float(mask.mean()), "words": words,
        "numeric": numeric_traits(customers, mask), "categories": category_traits(customers, mask),
        "representatives": representatives(customers, run.cluster_space, mask),
        "segments": [{"segment_name": str(k), "count": int(v)} for k, v in in_segments.items()],
    }


def save_selection_as_segment(workspace: Path, run_id: str, rows: list[int] | np.ndarray, name: str) -> int:
    """Move the selected customers of a saved run into a new segment named ``name``; returns its id.

    Every profile is recomputed (sizes and traits change for the segments that lost members);
    names the analyst or the first run gave keep their segment, the new segment gets ``name``.
    """
    name = " ".join(str(name).split())[:120]
    if not name:
        raise ParameterError("A segment name cannot be empty; type a few words.")
    run = load_run(workspace, run_id)
    mask = _mask(run, rows)
    labels = run.segments["segment_id"].to_numpy(dtype=np.int32).copy()
    new_id = int(max(labels.max(), -1)) + 1
    labels[mask] = new_id
    old = {int(p["segment_id"]): p for p in run.profiles}
    profiles = profile_segments(saved_customers(run), labels, run.cluster_space)
    for profile in profiles:
        sid = profile["segment_id"]
        if sid == new_id:
            profile["name"], profile["renamed"] = name, True
        elif sid in old:
            profile["name"] = old[sid]["name"]
            profile["renamed"] = bool(old[sid].get("renamed", False))
    names = {p["segment_id"]: p["name"] for p in profiles}
    segments = run.segments.copy()
    segments["segment_id"] = labels
    segments["segment_name"] = [names.get(int(s), UNASSIGNED) for s in labels]
    segments["outlier"] = labels < 0
    segments.loc[mask, "membership"] = 1.0

    seed = int(run.run_info.get("parameters", {}).get("cluster", {}).get("seed", 0))
    run_info = dict(run.run_info)
    run_info["quality"] = {**quality(run.cluster_space, labels, seed), "edited": True}
    run_info.setdefault("edits", []).append({"action": "selection saved as segment", "segment_id": new_id,
                                             "customers": int(mask.sum()), "name": name})

    def write_parquet(tmp: Path) -> None:
        buffer = io.BytesIO()
        segments.to_parquet(buffer, index=False)
        tmp.write_bytes(buffer.getvalue())

    atomic_write_bytes(run.folder / "segments.parquet", write_parquet)
    atomic_write_text(run.folder / "profiles.json", json_text(profiles))
    atomic_write_text(run.folder / "run.json", json_text(run_info))
    return new_id


def selection_rows(points: list[dict]) -> list[int]:
    """Row positions from a Plotly selection event's points (their ``customdata``), in order, unique."""
    rows: list[int] = []
    for point in points:
        value = point.get("customdata")
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if value is None:
            continue
        rows.append(int(value))
    return list(dict.fromkeys(rows))

