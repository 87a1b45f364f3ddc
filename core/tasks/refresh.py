"""The refresh task: a run's segments on the next period's table (ids and names kept, new groups as new
segments), written to a folder that can be refreshed in turn, and optionally saved in the workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.progress import Progress
from core.runs.assign import locate_run
from core.runs.refresh import Refresh, RefreshParams, refresh_table, save_refresh, write_refresh
from core.runs.sql_export import SqlTarget, check_target, write_tables
from core.tasks.segment import Source, read_source


@dataclass
class Refreshed:
    """The refresh, the files written, who moved, and the id it was saved under (``save``)."""

    refresh: Refresh
    paths: dict[str, Path]
    moved: int
    refresh_id: str | None = None
    written: dict[str, int] = field(default_factory=dict)  # with ``to_sql``: rows written per database table


def refresh(run: str | Path, source: Source, workspace: Path, params: RefreshParams | None = None, *,
            out: Path | None = None, save: bool = False, to_sql: SqlTarget | None = None,
            progress: Progress | None = None) -> Refreshed:
    """Refresh ``run`` (an output folder, or a saved run or refresh id) on ``source``; writes ``out`` (when
    given), the segments to a database table (``to_sql``, checked before any work; with ``append-run`` each
    period adds its rows) and saves the refresh in ``workspace`` (with ``save``)."""
    params = (params or RefreshParams()).validate()
    if to_sql is not None:
        check_target(to_sql)
    folder = locate_run(run, workspace)
    say: Progress = progress or (lambda *_: None)
    done = refresh_table(read_source(source, say), folder, workspace, params, say)
    paths = write_refresh(done, out) if out is not None else {}
    moved = sum(f["customers"] for f in done.changes["migration"] if f["from"] != f["to"])
    written = write_tables(to_sql, done.segments) if to_sql is not None else {}
    return Refreshed(done, paths, moved, save_refresh(done, workspace) if save else None, written)
