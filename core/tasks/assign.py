"""The assign task: give the customers of a table the segments of a finished run, on the engine asked for,
and write ``segments.csv`` (and, on Ray, the Parquet parts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.distributed.run import assign_on_ray
from core.errors import ParameterError
from core.ingest.io import LoadedTable
from core.ingest.privacy import hash_ids, workspace_key
from core.ingest.sql import SqlSource
from core.progress import Progress
from core.runs.assign import DEFAULT_K, assign_table, locate_run
from core.runs.export import write_csv
from core.runs.sql_export import SqlTarget, check_target, write_tables
from core.tasks.engine import LOCAL, Engine
from core.tasks.segment import Source, read_source


@dataclass
class Assigned:
    """What the assign task wrote: customers per segment (``-1``: unassigned), the files, notices."""

    customers: int
    segments: dict[int, int]
    paths: dict[str, Path]
    notices: list[str] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)  # with ``to_sql``: rows written per database table

    @property
    def assigned_segments(self) -> int:
        return sum(1 for s in self.segments if s >= 0)


def assign(run: str | Path, source: Source, workspace: Path, out: Path, *, neighbours: int = DEFAULT_K,
           engine: Engine = LOCAL, hash_ids_out: bool = False, to_sql: SqlTarget | None = None,
           progress: Progress | None = None) -> Assigned:
    """The customers of ``source`` get the segments of ``run`` (an output folder, or a saved run or refresh id
    in ``workspace``) by their ``neighbours`` nearest training customers; writes ``out/segments.csv`` and, with
    ``to_sql``, the same rows to a database table (checked before any work)."""
    engine.check(hash_ids=hash_ids_out, database=isinstance(source, SqlSource), to_sql=to_sql is not None)
    if to_sql is not None:
        check_target(to_sql)
    say: Progress = progress or (lambda *_: None)
    folder = locate_run(run, workspace)
    if not engine.local:
        if isinstance(source, LoadedTable | SqlSource):
            raise ParameterError("--engine ray reads files; give a file, folder or glob of parts.")
        done = assign_on_ray(folder, source, Path(out), workspace, k=neighbours, address=engine.address,
                             num_cpus=engine.num_cpus, progress=say)
        counts = {int(s): int(n) for s, n in done.run_info["segments"].items()}
        return Assigned(done.customers, counts, done.paths, list(done.run_info["notices"]))
    assignment = assign_table(read_source(source, say), folder, workspace, neighbours, say)
    segments = assignment.segments
    if hash_ids_out:
        segments = segments.assign(id=hash_ids(segments["id"], workspace_key(workspace)))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "segments.csv"
    write_csv(segments, path)
    counts = {int(s): int(n) for s, n in segments["segment_id"].value_counts().sort_index().items()}
    written = write_tables(to_sql, segments) if to_sql is not None else {}
    return Assigned(len(segments), counts, {"segments": path}, list(assignment.notices), written)
