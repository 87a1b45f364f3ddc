"""The lookalike task: everyone but the seeds ranked by likeness to them (scores → who may join → the
audience → the size curve), for the command line's files and the app's panel alike."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import ParameterError
from core.explain import lookalike as scoring
from core.explain.explanations import SegmentedCustomers
from core.explain.lookalike import LookalikeParams
from core.ingest.id_lists import read_ids
from core.ingest.privacy import hash_ids, workspace_key
from core.runs.assign import locate_run
from core.runs.export import write_csv
from core.runs.opened import open_run, rows_of
from core.tasks.search import QUERY_SEEDS, search, searchable


@dataclass
class Lookalikes:
    """An audience: its ``rows`` in the run (best first) and ``frame`` (``id, rank, score, segment_id``),
    every customer's ``scores``, who was ``eligible`` (not a seed, not left out) and the size ``curve``."""

    people: SegmentedCustomers
    params: LookalikeParams
    seeds: np.ndarray
    scores: np.ndarray
    eligible: np.ndarray
    rows: np.ndarray
    frame: pd.DataFrame
    curve: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # seed ids that are not customers of the run

    @property
    def available(self) -> int:
        """How many customers could join (neither a seed nor left out)."""
        return int(self.eligible.sum())

    def top(self, size: int) -> Lookalikes:
        """The same scoring with the audience cut to its best ``size``."""
        rows = scoring.audience_rows(self.scores, self.eligible, size, self.params.min_similarity)
        frame = scoring.audience_frame(rows, self.scores, self.people.ids, self.people.labels)
        return replace(self, rows=rows, frame=frame)


def find_lookalikes(people: SegmentedCustomers, seeds: np.ndarray, params: LookalikeParams,
                    exclude_segments: tuple[int, ...] = (), scores: np.ndarray | None = None) -> Lookalikes:
    """The audience of ``seeds`` (rows of ``people``) by ``params``, members of ``exclude_segments`` left out;
    ``scores`` when already computed for these seeds and this scoring (the app caches them)."""
    params.validate()
    scores = scoring.lookalike_scores(people.features, seeds, params) if scores is None else scores
    eligible = scoring.eligible_rows(len(scores), seeds, people.labels, exclude_segments)
    rows = scoring.audience_rows(scores, eligible, params.size, params.min_similarity)
    frame = scoring.audience_frame(rows, scores, people.ids, people.labels)
    return Lookalikes(people, params, np.asarray(seeds), scores, eligible, rows, frame,
                      scoring.size_curve(scores, eligible))


def segment_rows(people: SegmentedCustomers, segment_id: int) -> np.ndarray:
    """The rows of a segment's members, to use as seeds; refuses an unknown segment in one sentence."""
    rows = np.flatnonzero(people.labels == segment_id)
    if segment_id < 0 or not len(rows):
        raise ParameterError(f"There is no segment {segment_id} in this run; give a segment id from its segments.csv.")
    return rows


def lookalike(run: str | Path, seeds: str | bytes | int | None, workspace: Path, out: Path, params: LookalikeParams, *,
              query: str | None = None, exclude_segments: tuple[int, ...] = (), hash_ids_out: bool = False,
              ignore_unknown: bool = False) -> Lookalikes:
    """The lookalikes of ``seeds`` (an id list: a file, its bytes or ids separated by commas; or a segment id,
    every member a seed) or, with ``query``, of the customers whose texts best match it (its
    :data:`~core.tasks.search.QUERY_SEEDS` best matches) among the customers of ``run``; writes
    ``out/audience.csv`` and ``out/curve.csv``."""
    params.validate()
    people = open_run(run, workspace)
    unknown: list[str] = []
    if query is not None:
        rows = search(searchable(people, locate_run(run, workspace), workspace), query, QUERY_SEEDS).rows
    elif seeds is None:
        raise ParameterError("Say who the audience should look like: seed ids, --seed-segment or --query.")
    elif isinstance(seeds, int):
        rows = segment_rows(people, seeds)
    else:
        rows, unknown = rows_of(people, read_ids(seeds), "seed ids", ignore_unknown)
    found = find_lookalikes(people, rows, params, exclude_segments)
    audience = found.frame
    if hash_ids_out:
        audience = audience.assign(id=hash_ids(audience["id"], workspace_key(workspace)))
    out.mkdir(parents=True, exist_ok=True)
    found.paths = {"audience": out / "audience.csv", "curve": out / "curve.csv"}
    write_csv(audience, found.paths["audience"])
    write_csv(found.curve, found.paths["curve"])
    found.frame, found.unknown = audience, unknown
    return found
