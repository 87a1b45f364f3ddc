"""Refresh a segmentation on the next period's table: the same segments, their ids and names kept.

The new customers are described with the run's saved feature spec and assigned with its assignment
model (:mod:`core.runs.assign`: nearest-neighbour vote). A customer *fits* the segment it is voted
into when its distance to that segment's centre (mean feature vector of the run's members) is at most
the ``radius_quantile`` (99 %) quantile of the members' own distances; customers that fit no known
segment (and those voted unassigned) are clustered among themselves (PCA to at most 10 dimensions,
then HDBSCAN that may find a single group; each group takes the misfits within its own 99 % radius),
and groups of at least the run's minimum segment size become new segments, numbered after the old ones
(largest first), profiled and named; the rest are unassigned (-1).

The result is written like a ``segment --out`` folder (``segments.csv``, ``profiles.json``,
``run.json``, ``model/`` with the new period's customers and segments, so it can be refreshed in
turn) plus ``changes.json`` (see :mod:`core.runs.changes`).
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import InputError
from core.explain.profile import UNASSIGNED, Profile, profile_segments, segment_names
from core.ingest.io import LoadedTable, load_table
from core.progress import Progress
from core.runs.assign import (
    MODEL_DIR,
    REFRESH_DIR,
    AssignmentModel,
    describe,
    load_model,
    locate_run,
    nearest_vote,
    save_model,
)
from core.runs.changes import (
    absent,
    decode_features,
    migration,
    new_segment_summaries,
    segment_drift,
    size_changes,
)
from core.runs.export import write_csv, write_json
from core.schema import SEED_MAX, check_fields, param

PCA_DIMS = 10  # the misfits are clustered in at most this many principal components
CORE_SAMPLES = 5  # HDBSCAN's min_samples among the misfits: small, so a loose new group keeps a core
DEFAULT_MIN_NEW_SIZE = 30  # when the run does not say its minimum segment size


@dataclass(frozen=True)
class RefreshParams:
    """How a refresh decides who fits a known segment and which misfits form a new one."""

    radius_quantile: float = param(0.99, what="The fit quantile", label="Fit quantile", kind=float, low=0.5, high=1.0,
                                   help="a customer fits a known segment when no farther from its centre than this "
                                        "quantile of the segment's own members' distances")
    min_new_size: int | None = param(None, what="The minimum new segment size", label="Minimum new segment size",
                                     low=2, high=10_000_000, optional=True,
                                     help="smallest group of misfits that becomes a new segment; default: the run's "
                                          "minimum segment size")
    seed: int = param(0, what="The seed", label="Seed", low=0, high=SEED_MAX, help="random seed of the misfits' PCA")

    def validate(self) -> RefreshParams:
        check_fields(self)
        return self


@dataclass
class Refresh:
    """A refreshed segmentation: the new period's segments and profiles, what changed, and its model."""

    segments: pd.DataFrame  # the columns of segments.csv
    profiles: list[Profile]
    changes: dict[str, Any]
    model: AssignmentModel
    run_info: dict[str, Any]
    notices: list[str] = field(default_factory=list)


def previous_segments(folder: Path) -> pd.DataFrame:
    """``id`` and ``segment_id`` of a run's customers (a saved run's Parquet or an output folder's CSV)."""
    if (folder / "segments.parquet").exists():
        frame = pd.read_parquet(folder / "segments.parquet", columns=["id", "segment_id"])
    else:
        frame = pd.read_csv(folder / "segments.csv", usecols=["id", "segment_id"], dtype={"id": str},
                            keep_default_na=False, encoding="utf-8-sig")
        frame["id"] = frame["id"].str.removeprefix("'")  # undo the formula guard of the CSV writer
    return frame.assign(id=frame["id"].astype(str), segment_id=frame["segment_id"].astype(int))


def segment_radii(model: AssignmentModel, quantile: float) -> dict[int, tuple[np.ndarray, float]]:
    """Per known segment: its centre in feature space and the ``quantile`` of its members' distances to it."""
    out = {}
    for s in np.unique(model.labels[model.labels >= 0]):
        members = model.features[model.labels == s]
        centre = members.mean(axis=0)
        out[int(s)] = (centre, float(np.quantile(np.linalg.norm(members - centre, axis=1), quantile)))
    return out


def misfits(matrix: np.ndarray, labels: np.ndarray, radii: dict[int, tuple[np.ndarray, float]]) -> np.ndarray:
    """Customers voted unassigned or farther from their segment's centre than its radius."""
    out = labels < 0
    for s, (centre, radius) in radii.items():
        rows = labels == s
        out[rows] = np.linalg.norm(matrix[rows] - centre, axis=1) > radius
    return out


def emerging_groups(points: np.ndarray, min_size: int, quantile: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Groups of at least ``min_size`` among ``points`` (labels, -1 = none, numbered by size; membership).

    HDBSCAN (``min_samples`` 5, on at most :data:`PCA_DIMS` principal components) finds each group's dense
    core, straight from the library because ``core.segment.cluster`` never returns a single group (hdbscan
    leaves out the root by default) and a period often brings exactly one. HDBSCAN keeps only part of a
    loose group, so every point then joins the nearest group whose centre is within the ``quantile`` of
    the core's own distances: the same fit rule as for the known segments.
    """
    import hdbscan
    from sklearn.decomposition import PCA

    from core.segment.cluster import relabel_by_size

    n = len(points)
    labels, membership = np.full(n, -1, dtype=np.int32), np.zeros(n, dtype=np.float32)
    if n < max(min_size, 2):
        return labels, membership
    dims = min(PCA_DIMS, points.shape[1], n - 1)
    reduced = PCA(n_components=dims, random_state=seed).fit_transform(points) if dims < points.shape[1] else points
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = hdbscan.HDBSCAN(min_cluster_size=min_size, min_samples=min(CORE_SAMPLES, n - 1),
                                allow_single_cluster=True, core_dist_n_jobs=1).fit(reduced.astype(np.float64))
    cores = relabel_by_size(found.labels_)
    groups = [g for g in np.unique(cores) if g >= 0]
    if not groups:
        return labels, membership
    distances = np.full((n, len(groups)), np.inf)
    for j, g in enumerate(groups):
        centre = points[cores == g].mean(axis=0)
        d = np.linalg.norm(points - centre, axis=1)
        radius = float(np.quantile(d[cores == g], quantile))
        distances[:, j] = np.where(d <= radius, d / max(radius, 1e-12), np.inf)
    nearest = distances.argmin(axis=1)
    inside = np.isfinite(distances[np.arange(n), nearest])
    labels[inside] = np.asarray(groups)[nearest[inside]]
    membership[inside] = 1.0 - distances[np.arange(n), nearest][inside]
    core = cores >= 0
    membership[core] = np.nan_to_num(found.probabilities_[core])
    labels[core] = cores[core]
    return relabel_by_size(labels), membership


def _run_info(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def _min_new_size(params: RefreshParams, info: dict[str, Any]) -> int:
    if params.min_new_size is not None:
        return params.min_new_size
    return int(info.get("parameters", {}).get("cluster", {}).get("min_cluster_size", DEFAULT_MIN_NEW_SIZE))


def refresh_table(table: LoadedTable, folder: Path, workspace: str | Path, params: RefreshParams | None = None,
                  progress: Progress | None = None) -> Refresh:
    """Refresh the run in ``folder`` on the customers of ``table`` (see the module docstring)."""
    params = (params or RefreshParams()).validate()
    progress = progress or (lambda *_: None)
    folder = Path(folder)
    info = _run_info(folder)
    model = load_model(folder / MODEL_DIR)
    old_profiles: list[Profile] = json.loads((folder / "profiles.json").read_text(encoding="utf-8"))
    before = previous_segments(folder)
    progress("features", 0.0, "Describing the new customers like the run's")
    customers, matrix, notices = describe(table, model, workspace, progress)
    if len(customers) == 0:
        raise InputError(f"{table.name} has no customers to refresh the segments with; give the next period's table.")

    progress("assign", 0.0, "Assigning to the known segments")
    voted, share, coords = nearest_vote(model, matrix)
    labels, membership = voted.astype(np.int64), share.astype(np.float32)
    outside = misfits(matrix, labels, segment_radii(model, params.radius_quantile))
    labels[outside], membership[outside] = -1, 0.0
    min_size = _min_new_size(params, info)
    progress("cluster", 0.0, f"Looking for new groups among {int(outside.sum()):,} customers who fit no segment")
    groups, strength = emerging_groups(matrix[outside], min_size, params.radius_quantile, params.seed)
    first_new = max([int(model.labels.max()), int(before["segment_id"].max()),
                     *(int(p["segment_id"]) for p in old_profiles)]) + 1
    new_ids = sorted({first_new + int(g) for g in groups if g >= 0})
    labels[np.flatnonzero(outside)] = np.where(groups >= 0, first_new + groups, -1)
    membership[np.flatnonzero(outside)] = np.where(groups >= 0, strength, 0.0)

    progress("profile", 0.0, "Profiling the segments")
    old_names = segment_names(old_profiles)
    profiles = profile_segments(customers, labels, matrix, names={s: n for s, n in old_names.items() if s >= 0})
    renamed = {int(p["segment_id"]) for p in old_profiles if p.get("renamed")}
    for p in profiles:
        if p["segment_id"] not in renamed:
            p.pop("renamed", None)
    names = {**old_names, **segment_names(profiles)}
    ids = customers.frame["id"].astype(str).to_numpy()
    segments = pd.DataFrame({"id": ids, "segment_id": labels.astype(int),
                             "segment_name": [names.get(int(s), UNASSIGNED) for s in labels],
                             "membership": np.round(membership.astype(float), 4), "outlier": labels < 0})
    for i, axis in enumerate("xyz"[: coords.shape[1]]):
        segments[axis] = np.round(coords[:, i].astype(float), 4)

    progress("changes", 0.0, "Measuring what changed")
    new_model = replace(model, features=matrix.astype(np.float32), labels=labels, coords=coords.astype(np.float32))
    period = int(info.get("period", 1))
    changes = {
        "run": {"source": str(folder), "source_name": info.get("input", {}).get("name"), "period_before": period,
                "period_after": period + 1, "customers_before": int(len(before)), "customers_after": int(len(segments)),
                "input": table.name, "rule": {**asdict(params), "min_new_size": min_size,
                                              "misfits": int(outside.sum()), "first_new_id": first_new}},
        "sizes": size_changes(before["segment_id"], segments["segment_id"], names),
        "migration": migration(before, segments),
        "new_segments": new_segment_summaries(profiles, new_ids),
        "gone": absent(before, segments["id"]),
        "joined": absent(segments[["id", "segment_id"]], before["id"]),
        "drift": segment_drift(decode_features(model.features, model.spec, model.blocks), model.labels,
                               decode_features(matrix, model.spec, model.blocks), labels, names),
    }
    run_info: dict[str, Any] = {
        "input": {"name": table.name, "hash": table.content_hash, "rows": int(len(table.frame)),
                  "customers": int(len(segments))},
        **{k: info[k] for k in ("roles", "parameters", "embedding") if k in info},
        "command": "refresh", "refreshed_from": str(folder), "period": period + 1,
        "quality": {"n_segments": int(len(set(labels.tolist()) - {-1}))},
        "new_segments": new_ids, "notices": list(dict.fromkeys(notices)),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return Refresh(segments, profiles, changes, new_model, run_info, run_info["notices"])


def write_refresh(refresh: Refresh, out: Path) -> dict[str, Path]:
    """Write ``segments.csv``, ``profiles.json``, ``changes.json``, ``run.json`` and ``model/`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_model(refresh.model, out / MODEL_DIR)
    paths = {name: out / f"{name}.{ext}" for name, ext in
             (("segments", "csv"), ("profiles", "json"), ("changes", "json"), ("run", "json"))}
    write_csv(refresh.segments, paths["segments"])
    write_json(refresh.profiles, paths["profiles"])
    write_json(refresh.changes, paths["changes"])
    write_json({**refresh.run_info, "output": str(out)}, paths["run"])  # last: run.json marks a finished folder
    return paths


def refresh_run(run: str | Path, source: str | Path | bytes, workspace: str | Path, out: Path,
                params: RefreshParams | None = None, name: str | None = None,
                progress: Progress | None = None) -> Refresh:
    """Refresh ``run`` (a ``segment``/``refresh`` output folder or a saved run id) on ``source`` into ``out``."""
    refresh = refresh_table(load_table(source, name), locate_run(run, workspace), workspace, params, progress)
    write_refresh(refresh, out)
    return refresh


def refreshes_dir(workspace: str | Path) -> Path:
    return Path(workspace) / REFRESH_DIR


def save_refresh(refresh: Refresh, workspace: str | Path) -> str:
    """Write a refresh into the workspace (``refreshes/<id>``, an output folder that can be refreshed again)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    refresh_id = f"{stamp}-p{refresh.run_info['period']}-{time.time_ns() % 1_000_000:06d}"
    write_refresh(refresh, refreshes_dir(workspace) / refresh_id)
    return refresh_id


def list_refreshes(workspace: str | Path) -> list[dict[str, Any]]:
    """The workspace's refreshes, newest first: id, folder, period, input, customers, source."""
    root = refreshes_dir(workspace)
    out = []
    for folder in sorted(root.glob("*"), reverse=True) if root.exists() else []:
        try:
            info = _run_info(folder)
            out.append({"refresh_id": folder.name, "folder": str(folder), "period": info["period"],
                        "input": info["input"]["name"], "customers": info["input"]["customers"],
                        "source": Path(info["refreshed_from"]).name, "new_segments": len(info["new_segments"])})
        except (OSError, ValueError, KeyError, TypeError):  # unfinished or unreadable: not listed
            continue
    return out


def period_chain(folder: str | Path) -> list[dict[str, Any]]:
    """The periods from the first run to ``folder`` (oldest first): period, input, folder, customers per segment."""
    chain: list[dict[str, Any]] = []
    current: Path | None = Path(folder)
    while current is not None and (current / "run.json").exists() and len(chain) < 1000:
        info = _run_info(current)
        counts = previous_segments(current)["segment_id"].value_counts()
        chain.append({"period": int(info.get("period", 1)), "input": info.get("input", {}).get("name", ""),
                      "folder": str(current),
                      "sizes": {int(s): int(n) for s, n in counts.items()}})
        current = Path(info["refreshed_from"]) if "refreshed_from" in info else None
    return chain[::-1]
