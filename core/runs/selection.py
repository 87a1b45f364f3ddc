"""A hand-picked group of customers (a lasso or box on the map): its profile, and saving it as a segment.

The profile reuses :mod:`core.explain.profile` (the selection against everyone else). Saving is a
curation edit (:mod:`core.runs.curate`): the chosen customers get a new segment id (one above the
largest, so existing ids and the analyst's names stay), every segment is re-profiled and the
run's files are rewritten atomically by ``core.runs.store.rewrite_run``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ParameterError
from core.explain.profile import (
    Term,
    Traits,
    category_traits,
    distinctive_terms,
    numeric_traits,
    representatives,
)
from core.runs.curate import carve_segment, saved_customers
from core.runs.store import SavedRun, load_run


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


class SelectionProfile(Traits):
    """A map selection's traits against everyone else, and how it spreads over the segments."""

    segments: list[dict[str, Any]]  # {segment_name, count}


def selection_profile(run: SavedRun, rows: list[int] | np.ndarray) -> SelectionProfile:
    """Profile of the selected rows against everyone else: size, share, words, numbers, categories,
    representative members and how the selection spreads over the existing segments."""
    mask = _mask(run, rows)
    customers = saved_customers(run)
    words: list[Term] = distinctive_terms(customers.texts, mask.astype(np.int32)).get(1, []) if not mask.all() else []
    in_segments = run.segments.loc[mask, "segment_name"].value_counts()
    profile: SelectionProfile = {
        "size": int(mask.sum()), "share": float(mask.mean()), "words": words,
        "numeric": numeric_traits(customers, mask), "categories": category_traits(customers, mask),
        "representatives": representatives(customers, run.cluster_space, mask),
        "segments": [{"segment_name": str(k), "count": int(v)} for k, v in in_segments.items()],
    }
    return profile


def save_selection_as_segment(workspace: Path, run_id: str, rows: list[int] | np.ndarray, name: str) -> int:
    """Move the selected customers of a saved run into a new segment named ``name``; returns its id.

    A curation edit like a merge or a split (:func:`core.runs.curate.carve_segment`): every profile is
    recomputed, the analyst's names stay with their segments, the edit joins ``run.json``'s ``curation``.
    """
    run = load_run(workspace, run_id)
    mask = _mask(run, rows)
    _, new_id = carve_segment(run, mask, name, {"action": "selection saved as segment",
                                                "customers": int(mask.sum())})
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

