"""Search a run's customers by what they wrote: a query in any language the embedders read ranks everyone by
the hybrid score of :mod:`core.search.index`; the best ``top`` come back with their segments and snippets, and
how they spread over the segments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputError
from core.explain.explanations import SegmentedCustomers
from core.ingest.privacy import hash_ids, workspace_key
from core.represent.embedders import EMBEDDERS, EmbedderChoice
from core.runs.assign import locate_run
from core.runs.export import write_csv
from core.runs.opened import open_folder
from core.schema import check_fields, param
from core.search.index import SearchIndex, check_query
from core.search.snippet import snippet

COLUMNS = ["id", "rank", "score", "segment_id", "segment_name", "snippet"]
#: seeds of an audience from a description: the query's best matches (precise at 50 on the benchmarks, and
#: enough customers for a stable centre)
QUERY_SEEDS = 50


@dataclass(frozen=True)
class SearchParams:
    """How many matches a search returns."""

    top: int = param(50, what="The number of matches", label="Matches", low=1, high=1_000_000,
                     help="customers returned, best first")

    def validate(self) -> SearchParams:
        check_fields(self)
        return self


@dataclass
class SearchableRun:
    """A run opened for search: its customers and their search index."""

    people: SegmentedCustomers
    index: SearchIndex


@dataclass
class SearchResult:
    """A query's matches (``id, rank, score, segment_id, segment_name, snippet``, best first), their rows in the
    run, how they spread over segments (``segment_id, segment_name, matches, share_of_matches, share_of_segment``)
    and the model that read the query."""

    matches: pd.DataFrame
    rows: np.ndarray
    spread: pd.DataFrame
    model: str
    paths: dict[str, Path] = field(default_factory=dict)  # search_run: the files written


def run_embedder(folder: Path) -> EmbedderChoice | None:
    """The embedder that made the run's text vectors, when a new text can be embedded the same way (None for an
    embedder fitted on the run's own texts, or a run without text)."""
    info = json.loads((Path(folder) / "run.json").read_text(encoding="utf-8"))
    embedding, parameters = info.get("embedding") or {}, info.get("parameters") or {}
    plugin = EMBEDDERS.get(embedding.get("embedder") or "")
    if plugin is None or not plugin.reproducible:
        return None
    return EmbedderChoice(embedder=plugin.name, model=parameters.get("model", EmbedderChoice.model),
                          backend=embedding.get("backend") or "auto", seed=int(parameters.get("seed") or 0))


def searchable(people: SegmentedCustomers, folder: Path, workspace: str | Path) -> SearchableRun:
    """The opened run in ``folder`` with its search index (built on the first query, then cached)."""
    return SearchableRun(people, SearchIndex(list(people.texts), run_embedder(folder), Path(workspace)))


def open_searchable(run: str | Path, workspace: str | Path) -> SearchableRun:
    """``run`` (a saved run id in ``workspace`` or an output folder of ``segment``) opened for search."""
    folder = locate_run(run, workspace)
    return searchable(open_folder(folder), folder, workspace)


def spread(people: SegmentedCustomers, rows: np.ndarray) -> pd.DataFrame:
    """How the customers ``rows`` spread over the segments, most matches first."""
    ids, counts = np.unique(people.labels[rows], return_counts=True)
    sizes = {int(s): int(n) for s, n in zip(*np.unique(people.labels, return_counts=True))}
    frame = pd.DataFrame({"segment_id": ids.astype(int), "segment_name": [people.name(int(s)) for s in ids],
                          "matches": counts.astype(int)})
    frame["share_of_matches"] = frame["matches"] / max(len(rows), 1)
    frame["share_of_segment"] = frame["matches"] / frame["segment_id"].map(sizes)
    return frame.sort_values(["matches", "segment_id"], ascending=[False, True], ignore_index=True)


def search(run: SearchableRun, query: str, top: int = SearchParams.top) -> SearchResult:
    """The ``top`` customers of ``run`` that best match ``query``, with snippets and their spread over segments.

    An empty query, a query in a script no embedder reads and a run without text are refused in one sentence."""
    top = SearchParams(top=top).validate().top
    query = check_query(query)
    people = run.people
    if not any(people.texts):
        raise InputError("This run has no text to search; find customers by segment or by a map selection instead.")
    ranking = run.index.query(query, top)
    rows = ranking.rows
    matches = pd.DataFrame({
        "id": people.ids[rows], "rank": np.arange(1, len(rows) + 1), "score": np.round(ranking.scores, 4),
        "segment_id": people.labels[rows].astype(int),
        "segment_name": [people.name(int(s)) for s in people.labels[rows]],
        "snippet": [snippet(people.texts[i], ranking.highlight) for i in rows],
    }, columns=COLUMNS)
    return SearchResult(matches=matches, rows=rows, spread=spread(people, rows), model=ranking.model)


def search_run(run: str | Path, query: str, workspace: Path, out: Path, top: int = SearchParams.top, *,
               hash_ids_out: bool = False) -> SearchResult:
    """:func:`search` on ``run`` (an output folder, or a saved run id in ``workspace``); writes ``out/matches.csv``
    (formula-safe; ids as keyed hashes with ``hash_ids_out``). Nothing is written when the query is refused."""
    found = search(open_searchable(run, workspace), query, top)
    if hash_ids_out:
        found.matches = found.matches.assign(id=hash_ids(found.matches["id"], workspace_key(workspace)))
    out.mkdir(parents=True, exist_ok=True)
    found.paths = {"matches": out / "matches.csv"}
    write_csv(found.matches, found.paths["matches"])
    return found
