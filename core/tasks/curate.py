"""The curate task: one edit of a saved run (merge, split, rename, reassign outliers, reset), then,
when asked, the curated files. Each edit is a small frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.runs.curate import merge_segments, reassign_outliers, rename, reset_curation, split_segment
from core.runs.export import write_outputs
from core.runs.store import SavedRun, load_run


@dataclass(frozen=True)
class Merge:
    """Move segment ``absorb`` into ``keep`` (optionally naming the result)."""

    keep: int
    absorb: int
    name: str | None = None


@dataclass(frozen=True)
class Split:
    """Re-cluster one segment into ``parts`` parts."""

    segment_id: int
    parts: int = 2


@dataclass(frozen=True)
class Rename:
    """Give a segment a name."""

    segment_id: int
    name: str


@dataclass(frozen=True)
class ReassignOutliers:
    """Give every unassigned customer the segment with the nearest centre."""


@dataclass(frozen=True)
class Reset:
    """Go back to the segmentation as first saved."""


Edit = Merge | Split | Rename | ReassignOutliers | Reset


@dataclass
class Curated:
    """The run after the edit, and the files written (``out``)."""

    run: SavedRun
    paths: dict[str, Path]


def _apply(workspace: Path, run_id: str, edit: Edit | None) -> SavedRun:
    if isinstance(edit, Merge):
        return merge_segments(workspace, run_id, edit.keep, edit.absorb, name=edit.name)
    if isinstance(edit, Split):
        return split_segment(workspace, run_id, edit.segment_id, edit.parts)
    if isinstance(edit, Rename):
        return rename(workspace, run_id, edit.segment_id, edit.name)
    if isinstance(edit, ReassignOutliers):
        return reassign_outliers(workspace, run_id)
    if isinstance(edit, Reset):
        return reset_curation(workspace, run_id)
    return load_run(workspace, run_id)


def curate(workspace: Path, run_id: str, edit: Edit | None = None, out: Path | None = None) -> Curated:
    """Apply ``edit`` (None: none) to the saved run ``run_id`` and, with ``out``, write its segments.csv,
    profiles.json and run.json there."""
    run = _apply(workspace, run_id, edit)
    paths = write_outputs(run.segments, run.profiles, {**run.run_info, "command": "curate"}, out) if out else {}
    return Curated(run, paths)
