"""The explain task: why customers are in their segment and not the runner-up, written to
``explanations.json``; and the explainer of a saved run, for the app's customer cards."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.explain.explanations import N_SIMILAR, Explainer, explain_rows
from core.ingest.id_lists import read_ids
from core.runs.export import write_json
from core.runs.opened import open_run, rows_of, saved_people
from core.runs.store import SavedRun
from core.storage.stage_cache import StageCache


@dataclass
class Explained:
    """The explanations (in the order of the ids given), the file written and the ids skipped."""

    explanations: list[dict[str, Any]]
    path: Path
    unknown: list[str] = field(default_factory=list)


def explain(run: str | Path, ids: str | bytes, workspace: Path, out: Path, *, similar: int = N_SIMILAR,
            ignore_unknown: bool = False) -> Explained:
    """Explain the customers ``ids`` names (a file, its bytes, or ids separated by commas) of ``run``; writes
    ``out/explanations.json``. Unknown ids are refused, or skipped with ``ignore_unknown``."""
    people = open_run(run, workspace)
    rows, unknown = rows_of(people, read_ids(ids), "ids to explain", ignore_unknown)
    explanations = explain_rows(people, rows, max(0, similar), StageCache(workspace))
    path = out / "explanations.json"
    out.mkdir(parents=True, exist_ok=True)
    write_json(explanations, path)
    return Explained(explanations, path, unknown)


def explainer(run: SavedRun, workspace: Path) -> Explainer:
    """The explainer of a saved run's customers (a CoreError for a run saved without its feature matrix)."""
    return Explainer(saved_people(run), StageCache(workspace))
