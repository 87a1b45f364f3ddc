"""The segment task: segment the customers of a table on the engine asked for, write the output folder
(segments, profiles, run information, the assignment model, the customers' values, recommendations) and/or
save the run in the workspace. The command line, the app and scripts call this one function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.distributed.run import segment_on_ray
from core.errors import ParameterError
from core.ingest.io import LoadedTable
from core.ingest.privacy import hash_ids, workspace_key
from core.ingest.source import read_table
from core.ingest.sql import SqlSource
from core.parameters import SegmentParams
from core.pipeline import SegmentationResult, run_segmentation, texts_ahead, texts_to_embed
from core.progress import Progress
from core.recommend.lists import RecommendParams
from core.represent.behaviour import InteractionInputs
from core.represent.prefetch import TextPrefetch
from core.runs.assign import MODEL_DIR, assignment_model, save_model
from core.runs.export import write_customers, write_outputs, write_recommendations
from core.runs.sql_export import SqlTarget, check_target, write_tables
from core.runs.store import save_run
from core.tasks.engine import LOCAL, Engine

#: what a segmentation reads: a loaded table, a file (on Ray also a folder or glob of Parquet/CSV parts), or a
#: database table or query (local engine)
Source = LoadedTable | SqlSource | str | Path


@dataclass
class Segmented:
    """What the segment task did: the customers segmented, the quality figures, the files written (``paths``),
    the run saved (``run_id``), notices for the analyst and, when recommending, the evaluation."""

    customers: int
    quality: dict[str, Any]
    run_info: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    run_id: str | None = None
    evaluation: dict[str, Any] | None = None  # the recommendations' hold-out evaluation
    fitted_on: int | None = None  # on Ray: the customers of the fitting sample
    result: SegmentationResult | None = None  # local: everything the pipeline returned
    written: dict[str, int] = field(default_factory=dict)  # with ``to_sql``: rows written per database table


def read_source(source: Source, progress: Progress | None = None) -> LoadedTable:
    """The table of ``source``, read when it is a file or a database table (said to ``progress``)."""
    table = source if isinstance(source, LoadedTable) else read_table(source, progress or (lambda *_: None))
    if progress is not None:
        progress("load", 0.0, table.describe())
    return table


def prefetch(table: LoadedTable, params: SegmentParams, workspace: Path,
             after: Callable[[], None] | None = None) -> TextPrefetch | None:
    """Start embedding, in the background, the texts a segmentation of ``table`` with ``params`` embeds (into
    ``workspace``'s cache, where the run finds them), and the run's other work on them beside it; None when it
    embeds none. ``after`` runs first."""
    ahead = texts_ahead(table, params, workspace)
    if ahead is None:
        return None
    return TextPrefetch(ahead.texts, params.embedder_choice(), workspace, after, beside=ahead.rest)


def settle_prefetch(running: TextPrefetch, table: LoadedTable, params: SegmentParams, workspace: Path) -> bool:
    """Before segmenting ``table`` with ``params``: wait for ``running`` when it embeds the same texts (True),
    else stop it (False)."""
    return running.settle(texts_to_embed(table, params, workspace), params.embedder_choice())


def segment(source: Source, params: SegmentParams, workspace: Path, *, engine: Engine = LOCAL,
            interactions: InteractionInputs | None = None, recommend: RecommendParams | None = None,
            out: Path | None = None, save: bool = False, hash_ids_out: bool = False, to_sql: SqlTarget | None = None,
            progress: Progress | None = None) -> Segmented:
    """Segment the customers of ``source`` with ``params`` on ``engine``; write ``out`` (when given) and save
    the run in ``workspace`` (with ``save``). Local only: ``interactions`` (behaviour features and, with
    ``recommend``, recommendations), ``hash_ids_out`` (customer ids in ``out`` as keyed hashes), a database
    ``source`` and ``to_sql`` (segments.csv's rows, and the per-customer lists, written to database tables; the
    target is checked before any work)."""
    params.validate()
    engine.check(interactions=interactions is not None, hash_ids=hash_ids_out, levels=params.levels.levels > 1,
                 database=isinstance(source, SqlSource), to_sql=to_sql is not None)
    if to_sql is not None:
        check_target(to_sql, (to_sql.table, to_sql.recommendations_table) if interactions else None)
    say: Progress = progress or (lambda *_: None)
    if not engine.local:
        return _on_ray(source, params, workspace, engine, out, save, say)
    result = run_segmentation(read_source(source, say), params, workspace, say, interactions=interactions,
                              recommend=recommend if interactions else None)
    recs = result.recommendations
    paths: dict[str, Path] = {}
    key = workspace_key(workspace) if hash_ids_out else None
    segments = result.segments_frame()
    users = recs.user_lists if recs is not None else None
    if key and users is not None:
        users = users.assign(id=hash_ids(users["id"], key))
    if out is not None:
        run_info = {**result.run_info, "command": "segment", "output": str(out)}
        save_model(assignment_model(result), out / MODEL_DIR)
        paths = write_outputs(segments, result.profiles, run_info, out, id_key=key, parents=result.parents)
        write_customers(result.customers, out, id_key=key)  # for 'explain' and 'lookalike'
        if recs is not None and users is not None:
            paths.update(write_recommendations(recs.segment_lists, users, recs.evaluation, out))
    written = {}
    if to_sql is not None:
        written = write_tables(to_sql, segments.assign(id=hash_ids(segments["id"], key)) if key else segments, users)
    notices = list(result.notices) + (list(recs.evaluation.get("notes", [])) if recs is not None else [])
    run_id = save_run(result, workspace) if save else None
    return Segmented(len(result.customers), result.quality, dict(result.run_info), paths, notices, run_id,
                     recs.evaluation if recs is not None else None, result=result, written=written)


def _on_ray(source: Source, params: SegmentParams, workspace: Path, engine: Engine, out: Path | None, save: bool,
            progress: Progress) -> Segmented:
    if isinstance(source, LoadedTable | SqlSource) or out is None:
        raise ParameterError("--engine ray reads files and writes an output folder; give a file, folder or glob "
                             "of parts and --out DIR.")
    done = segment_on_ray(source, params, out, workspace, sample_size=engine.params.sample_size,
                          address=engine.address, num_cpus=engine.num_cpus, progress=progress, save=save)
    return Segmented(done.customers, done.quality, done.run_info, done.paths, list(done.run_info["notices"]),
                     done.run_id, fitted_on=done.run_info["sample"]["size"])
