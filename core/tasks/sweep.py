"""The sweep task: cluster a segmentation's reduced space with a range of one setting (the clusterer says
which) and recommend one; and, for a saved run, its current setting and the parameters to apply another."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import ParameterError
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.progress import Progress
from core.runs.export import write_csv, write_json
from core.runs.store import SavedRun
from core.segment.cluster import ClusterParams
from core.segment.clusterers import CLUSTERERS
from core.segment.quality import sweep as sweep_space
from core.tasks.segment import Source, read_source


@dataclass
class Swept:
    """What each setting found (``found``: parameter, rows, recommended, criterion) and the files written."""

    found: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)


def sweep(source: Source, params: SegmentParams, workspace: Path, out: Path, values: list[int] | None = None, *,
          progress: Progress | None = None) -> Swept:
    """Segment ``source`` with ``params`` up to its reduced space (cached), cluster it with each of ``values``
    (default: a range that suits the clusterer) and write ``out/sweep.csv`` and ``out/sweep.json``."""
    params.validate()
    say: Progress = progress or (lambda *_: None)
    result = run_segmentation(read_source(source), params, workspace, say)
    say("sweep", 0.0, f"Trying {params.cluster.algo} settings")
    found = sweep_space(result.cluster_space, params.cluster, values)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"sweep": out / "sweep.csv", "json": out / "sweep.json"}
    write_csv(pd.DataFrame(found["rows"]), paths["sweep"])
    write_json(found, paths["json"])
    return Swept(found, paths)


def current_setting(run: SavedRun) -> tuple[ClusterParams, int | None]:
    """A saved run's clustering parameters and the value of the setting a sweep varies (for a setting that is
    not a number, such as ``auto``, the segments it found before curation)."""
    params = ClusterParams.from_dict(run.run_info["parameters"]["cluster"])
    value = getattr(params.settings, CLUSTERERS[params.algo].sweep_parameter)
    current = value if isinstance(value, int) else (
        run.run_info.get("quality_before_curation", run.run_info["quality"])["n_segments"])
    return params, current


def sweep_run(run: SavedRun) -> dict[str, Any]:
    """The sweep of a saved run's clustering space with its own clustering parameters (seconds, not minutes)."""
    return sweep_space(run.cluster_space, current_setting(run)[0])


def with_setting(run: SavedRun, parameter: str, value: int) -> SegmentParams:
    """The parameters of a saved run with one clustering setting changed, to segment its table again."""
    params = SegmentParams.from_dict(run.run_info["parameters"])
    clusterer = CLUSTERERS[params.cluster.algo]
    if parameter != clusterer.sweep_parameter:
        raise ParameterError(f"{clusterer.label} sweeps {clusterer.sweep_parameter}, not {parameter}.")
    return replace(params, cluster=clusterer.with_value(params.cluster, int(value)))
