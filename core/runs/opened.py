"""A finished segmentation opened for explanations and lookalikes, and customer ids turned into its rows.

Reads a saved run (``workspace/runs/<id>``) or an output folder of ``python -m core segment``: the
assignment model (``model/``: the feature matrix, its blocks and fitted spec), the customers' values
(``customers.parquet``, ``texts.parquet``), their current segments (``segments.parquet`` after any
curation, else ``segments.csv``) and the profiles. Folders written before ``segment`` kept the
customers' values cannot be explained; the message says to segment again.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputError, RunNotFoundError
from core.explain.explanations import SegmentedCustomers
from core.explain.profile import Profile
from core.runs.assign import MODEL_DIR, load_model, locate_run
from core.runs.export import CUSTOMERS_FILE, TEXTS_FILE
from core.runs.store import SavedRun

N_EXAMPLES = 3


def _people(folder: Path, segments: pd.DataFrame, values: pd.DataFrame, texts: list[str],
            profiles: list[Profile]) -> SegmentedCustomers:
    model = load_model(folder / MODEL_DIR)
    if not len(segments) == len(values) == len(texts) == len(model.features):
        raise RunNotFoundError(f"The files in {str(folder)!r} describe different numbers of customers; "
                               "run the segmentation again.")
    return SegmentedCustomers(
        ids=values["id"].astype(str).to_numpy(), labels=segments["segment_id"].to_numpy(dtype=np.int64),
        membership=segments["membership"].to_numpy(dtype=float), features=model.features, blocks=model.blocks,
        spec=model.spec, values=values, roles=dict(model.roles), texts=texts, profiles=profiles)


def open_folder(folder: Path) -> SegmentedCustomers:
    """The customers of the run or ``segment`` output folder ``folder``."""
    folder = Path(folder)
    if not (folder / CUSTOMERS_FILE).exists():
        raise RunNotFoundError(f"{str(folder)!r} was written without the customers' values (by an older version), so "
                               "its customers cannot be explained or scored; run the segmentation again.")
    if (folder / "segments.parquet").exists():
        segments = pd.read_parquet(folder / "segments.parquet", columns=["segment_id", "membership"])
    else:
        segments = pd.read_csv(folder / "segments.csv", encoding="utf-8-sig", usecols=["segment_id", "membership"])
    texts = pd.read_parquet(folder / TEXTS_FILE)["text"].fillna("").tolist()
    profiles = json.loads((folder / "profiles.json").read_text(encoding="utf-8"))
    return _people(folder, segments, pd.read_parquet(folder / CUSTOMERS_FILE), texts, profiles)


def open_run(run: str | Path, workspace: str | Path) -> SegmentedCustomers:
    """The customers of ``run``: a saved run id in ``workspace`` or an output folder of ``segment``."""
    return open_folder(locate_run(run, workspace))


def saved_people(run: SavedRun) -> SegmentedCustomers:
    """The customers of a run already read with :func:`core.runs.store.load_run` (its model read now)."""
    if not (run.folder / MODEL_DIR / "spec.json").exists():
        raise RunNotFoundError("This run was saved without its feature matrix (by an older version), so its "
                               "customers cannot be explained or scored; run the segmentation again.")
    return _people(run.folder, run.segments, run.customers, run.texts, run.profiles)


def rows_of(people: SegmentedCustomers, ids: list[str], what: str, ignore_unknown: bool = False,
            ) -> tuple[np.ndarray, list[str]]:
    """The rows of ``ids`` (unique, in the order given) and the ids that are not customers of the run.

    ``what`` names the list in messages ("ids to explain", "seed ids"). An empty list, or any unknown id
    (every one with ``ignore_unknown``), is an :class:`InputError` that says how many were not found.
    """
    if not ids:
        raise InputError(f"The list of {what} is empty; give at least one customer id of this run.")
    position = {str(v): i for i, v in enumerate(people.ids)}
    wanted = list(dict.fromkeys(str(v) for v in ids))
    unknown = [v for v in wanted if v not in position]
    if unknown and (not ignore_unknown or len(unknown) == len(wanted)):
        examples = ", ".join(repr(v) for v in unknown[:N_EXAMPLES]) + (", …" if len(unknown) > N_EXAMPLES else "")
        raise InputError(f"{len(unknown):,} of the {len(wanted):,} {what} are not customers of this run "
                         f"({examples}); use the ids of its segments.csv.")
    return np.array([position[v] for v in wanted if v in position], dtype=np.int64), unknown
