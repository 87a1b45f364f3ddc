"""Assigning every customer on Ray with the saved assignment model, and the population's aggregates.

:class:`AssignBatches` runs :func:`core.runs.assign.assign_customers` — the function the ``assign`` command
runs — on each block, so every customer, the fitting sample included, gets its segment from one function.
:func:`partial_aggregates` sums a block per segment (size; count, sum, sum of squares, min and max of each
number; counts of each category), and :class:`Aggregates` merges those partial sums on the driver: its
memory is segments × (numbers + kept levels), whatever the number of customers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.distributed.embedders import Registry, adopt_embedders
from core.distributed.read import tidy_batch
from core.explain.profile import segment_names
from core.ingest.io import LoadedTable
from core.runs.assign import MODEL_DIR, assign_customers, load_model
from core.runs.export import SEGMENT_COLUMNS
from core.runs.neighbours import ReferenceIndex

VALUE_PREFIX = "value:"  # output columns carrying a customer's typed value, for the aggregates only
MAX_LEVELS = 100  # categories counted per segment and column; rarer ones are summed as OTHER
OTHER = "(other)"


class AssignBatches:
    """A Ray Data ``map_batches`` callable: rows in, the ``segments.csv`` columns out (plus the typed numeric
    and categorical values under :data:`VALUE_PREFIX`). Loads the run's model and builds its neighbour index
    once per actor (``approximate`` None: by the reference's size, :class:`ReferenceIndex`); ``embedders`` is the
    driver's registry (:func:`~core.distributed.embedders.driver_embedders`)."""

    def __init__(self, folder: str, workspace: str, k: int, embedders: Registry,
                 approximate: bool | None = None) -> None:
        adopt_embedders(embedders)
        self.model = load_model(Path(folder) / MODEL_DIR)
        self.index = ReferenceIndex(self.model.features, approximate, self.model.seed)
        profiles = json.loads((Path(folder) / "profiles.json").read_text(encoding="utf-8"))
        self.names = segment_names(profiles)
        self.workspace, self.k = workspace, k
        self.values = [c for c, r in self.model.roles.items() if r in ("numeric", "categorical")]

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        table = LoadedTable(frame=tidy_batch(batch), name="block", format="parquet", content_hash="")
        found = assign_customers(table, self.model, self.names, self.workspace, self.k, index=self.index)
        out = found.segments.reindex(columns=[c for c in SEGMENT_COLUMNS if c in found.segments.columns])
        assert found.values is not None
        for col in self.values:
            value = found.values[col]
            numeric = self.model.roles[col] == "numeric"
            out[VALUE_PREFIX + col] = value.astype("float64") if numeric else value.astype("string")
        return out


def partial_aggregates(batch: pd.DataFrame, roles: dict[str, str]) -> pd.DataFrame:
    """One row (``stats``: JSON) with the block's sums per segment, for :meth:`Aggregates.add`."""
    stats: dict[str, Any] = {}
    for segment, rows in batch.groupby("segment_id"):
        entry: dict[str, Any] = {"size": int(len(rows)), "numeric": {}, "categorical": {}}
        for col, role in roles.items():
            values = rows.get(VALUE_PREFIX + col)
            if values is None:
                continue
            if role == "numeric":
                v = values.dropna().to_numpy(dtype=float)
                entry["numeric"][col] = [len(v), float(v.sum()), float((v * v).sum()),
                                         float(v.min()) if len(v) else None, float(v.max()) if len(v) else None]
            else:
                entry["categorical"][col] = {str(k): int(n) for k, n in values.dropna().value_counts().items()}
        stats[str(int(segment))] = entry
    return pd.DataFrame({"stats": [json.dumps(stats)]})


@dataclass
class Aggregates:
    """The population's figures per segment, merged from :func:`partial_aggregates` rows."""

    sizes: dict[int, int] = field(default_factory=dict)
    numeric: dict[int, dict[str, list]] = field(default_factory=dict)  # n, sum, sum of squares, min, max
    categorical: dict[int, dict[str, dict[str, int]]] = field(default_factory=dict)
    truncated: bool = False  # some column had more than MAX_LEVELS levels in a segment

    def add(self, stats_json: str) -> None:
        for key, entry in json.loads(stats_json).items():
            segment = int(key)
            self.sizes[segment] = self.sizes.get(segment, 0) + entry["size"]
            numbers = self.numeric.setdefault(segment, {})
            for col, (n, total, squares, low, high) in entry["numeric"].items():
                old = numbers.get(col, [0, 0.0, 0.0, None, None])
                numbers[col] = [old[0] + n, old[1] + total, old[2] + squares,
                                _pick(min, old[3], low), _pick(max, old[4], high)]
            levels = self.categorical.setdefault(segment, {})
            for col, counts in entry["categorical"].items():
                merged = levels.setdefault(col, {})
                for level, n in counts.items():
                    merged[level] = merged.get(level, 0) + n
                if len(merged) > MAX_LEVELS:
                    self.truncated = True
                    kept = sorted((lv for lv in merged if lv != OTHER), key=lambda lv: -merged[lv])[: MAX_LEVELS - 1]
                    rest = sum(n for lv, n in merged.items() if lv not in kept)
                    levels[col] = {**{lv: merged[lv] for lv in kept}, OTHER: rest}

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    def segment_figures(self, segment: int) -> dict[str, Any]:
        """Size, share, and per column mean, standard deviation, min and max, or the level counts."""
        numeric = {}
        for col, (n, total, squares, low, high) in self.numeric.get(segment, {}).items():
            mean = total / n if n else None
            var = max(squares / n - mean * mean, 0.0) if n and mean is not None else None
            numeric[col] = {"count": n, "mean": mean, "std": float(np.sqrt(var)) if var is not None else None,
                            "min": low, "max": high}
        categorical = {col: dict(sorted(counts.items(), key=lambda kv: -kv[1]))
                       for col, counts in self.categorical.get(segment, {}).items()}
        size = self.sizes.get(segment, 0)
        return {"size": size, "share": size / self.total if self.total else 0.0, "numeric": numeric,
                "categorical": categorical}


def _pick(fn: Any, a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else fn(a, b)
