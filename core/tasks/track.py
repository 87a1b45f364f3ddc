"""The track task: match the segments of a later run to an earlier run's, so the later carries its ids."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.runs.assign import locate_run
from core.runs.export import write_csv, write_json
from core.runs.track import track_runs


@dataclass
class Tracked:
    """The matching report (pairs, method, shared customers, unmatched) and the files written."""

    report: dict[str, Any]
    paths: dict[str, Path]


def track(run_a: str | Path, run_b: str | Path, workspace: Path, out: Path) -> Tracked:
    """Match ``run_b``'s segments to ``run_a``'s; writes ``out/track.json`` and ``out/segments.csv``."""
    report, segments = track_runs(locate_run(run_a, workspace), locate_run(run_b, workspace))
    out.mkdir(parents=True, exist_ok=True)
    paths = {"segments": out / "segments.csv", "track": out / "track.json"}
    write_csv(segments, paths["segments"])
    write_json(report, paths["track"])
    return Tracked(report, paths)
