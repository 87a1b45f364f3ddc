"""Saved runs in the workspace: ``runs/<run_id>/`` with Parquet tables, arrays and JSON.

A run folder is written completely under a temporary name and renamed into place, so a crash
while saving leaves earlier runs untouched and never a half-written run; saving over an existing
id moves the old folder aside first and a later open puts it back if the process died between
the two renames. Nothing is pickled. Edits by the analyst (names, merges, splits, see
core/runs/curate.py) are rewritten atomically inside an existing run; the first edit keeps the
segmentation as saved in ``segments_original.parquet``. Each run keeps its assignment model
(``model/``, see :mod:`core.runs.assign`).

For the Runs page: ``list_runs``, ``load_run``, ``delete_run``, ``rename_segment`` and
``compare_runs(workspace, a, b)`` (ARI, NMI and the overlap matrix, as plain data).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.errors import ParameterError, RunNotFoundError
from core.explain.profile import Profile
from core.pipeline import SegmentationResult
from core.recommend.lists import Recommendations
from core.runs.assign import MODEL_DIR, assignment_model, save_model
from core.runs.export import CUSTOMERS_FILE, PARENTS_FILE, TEXTS_FILE, json_text, write_customers
from core.storage.atomic import atomic_write_bytes, atomic_write_text

_RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ASIDE = ".aside."  # prefix of a run moved aside while being replaced
_DELETED = ".deleted."  # prefix of a run being deleted
_STALE_SECONDS = 3600  # temporary folders older than this are leftovers of a killed save


HISTORY_FILE = "history.npz"  # customers × items behind the recommendations, recency-weighted (no pickles)
ITEMS_FILE = "items.parquet"  # the catalogue in the history's column order, with names when known


@dataclass
class SavedRun:
    """A run as read back from disk: everything the pages and exports need."""

    run_id: str
    folder: Path
    segments: pd.DataFrame  # id, segment_id, segment_name, membership, outlier, x, y (, z), runner_up, margin
    customers: pd.DataFrame  # id and the typed role columns
    texts: list[str]
    profiles: list[Profile]
    run_info: dict
    cluster_space: np.ndarray
    recommendations: pd.DataFrame | None = None  # segment_id, rank, item_id, score, reason (, item_name), list
    user_recommendations: pd.DataFrame | None = None  # id, rank, item_id, score (, because, reason)
    evaluation: dict | None = None  # see core.recommend.evaluate
    parents: list[Profile] | None = None  # with two levels: the parents' profiles (``parents.json``)

    @property
    def names(self) -> dict[int, str]:
        return {int(p["segment_id"]): p["name"] for p in self.profiles}


def runs_dir(workspace: Path) -> Path:
    return Path(workspace) / "runs"


def new_run_id(result: SegmentationResult) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{result.run_info['cache_keys']['cluster'][:6]}"


def save_run(result: SegmentationResult, workspace: Path, run_id: str | None = None) -> str:
    """Save a finished segmentation under ``runs/<run_id>``; returns the run id."""
    run_id = run_id or new_run_id(result)
    if not _RUN_ID.match(run_id):
        raise ParameterError(f"A run id uses letters, digits, - and _ only (at most 64), not {run_id!r}.")
    root = runs_dir(workspace)
    root.mkdir(parents=True, exist_ok=True)
    recover_runs(workspace)
    final = root / run_id
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{run_id}."))
    try:
        result.segments_frame().to_parquet(tmp / "segments.parquet", index=False)
        write_customers(result.customers, tmp)
        np.save(tmp / "cluster_space.npy", result.cluster_space, allow_pickle=False)
        (tmp / "profiles.json").write_text(json_text(result.profiles), encoding="utf-8")
        if result.parents is not None:
            (tmp / PARENTS_FILE).write_text(json_text(result.parents), encoding="utf-8")
        if result.features is not None and result.features.spec is not None:
            save_model(assignment_model(result), tmp / MODEL_DIR)
        (tmp / "run.json").write_text(json_text({**result.run_info, "run_id": run_id}), encoding="utf-8")
        if result.recommendations is not None:
            result.recommendations.segment_lists.to_parquet(tmp / "recommendations.parquet", index=False)
            result.recommendations.user_lists.to_parquet(tmp / "user_recommendations.parquet", index=False)
            (tmp / "evaluation.json").write_text(json_text(result.recommendations.evaluation), encoding="utf-8")
            if result.recommendations.history is not None:
                _save_history(result.recommendations, tmp)
        for path in tmp.iterdir():
            if path.is_file():
                with open(path, "rb") as fh:
                    os.fsync(fh.fileno())
        _fsync_dir(tmp)
        aside = root / f"{_ASIDE}{run_id}"
        if final.exists():
            shutil.rmtree(aside, ignore_errors=True)
            os.replace(final, aside)  # a kill from here until the next replace is undone by recover_runs
        os.replace(tmp, final)
        _fsync_dir(root)
        shutil.rmtree(aside, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return run_id


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover_runs(workspace: Path) -> None:
    """Undo what a killed save left behind: put back a run moved aside, remove stale temporary folders."""
    root = runs_dir(workspace)
    if not root.exists():
        return
    now = time.time()
    for path in root.glob(".*"):
        try:
            if path.name.startswith(_ASIDE):
                final = root / path.name[len(_ASIDE):]
                if not final.exists() and (path / "run.json").exists():
                    os.replace(path, final)
                elif final.exists() and now - path.stat().st_mtime > _STALE_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith(_DELETED) or (path.is_dir() and now - path.stat().st_mtime > _STALE_SECONDS):
                shutil.rmtree(path, ignore_errors=True)
        except OSError:  # another process is recovering the same folder
            continue


def _folder(workspace: Path, run_id: str) -> Path:
    recover_runs(workspace)
    folder = runs_dir(workspace) / run_id
    if not _RUN_ID.match(run_id or "") or not (folder / "run.json").exists():
        raise RunNotFoundError(f"There is no saved run {run_id!r} in this workspace. Pick one from the list of runs.")
    return folder


def load_run(workspace: Path, run_id: str) -> SavedRun:
    """Read a saved run back (no unpickling: Parquet, .npy without pickle, JSON)."""
    folder = _folder(workspace, run_id)
    profiles = json.loads((folder / "profiles.json").read_text(encoding="utf-8"))
    run_info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    segments = pd.read_parquet(folder / "segments.parquet")
    names = {int(p["segment_id"]): p["name"] for p in profiles}
    segments["segment_name"] = segments["segment_id"].map(names).fillna(segments["segment_name"])
    has_recs = (folder / "evaluation.json").exists()
    return SavedRun(
        run_id=run_id, folder=folder, segments=segments,
        customers=pd.read_parquet(folder / CUSTOMERS_FILE),
        texts=pd.read_parquet(folder / TEXTS_FILE)["text"].fillna("").tolist(),
        profiles=profiles, run_info=run_info,
        cluster_space=np.load(folder / "cluster_space.npy", allow_pickle=False),
        recommendations=pd.read_parquet(folder / "recommendations.parquet") if has_recs else None,
        user_recommendations=pd.read_parquet(folder / "user_recommendations.parquet") if has_recs else None,
        evaluation=json.loads((folder / "evaluation.json").read_text(encoding="utf-8")) if has_recs else None,
        parents=json.loads((folder / PARENTS_FILE).read_text(encoding="utf-8"))
        if (folder / PARENTS_FILE).exists() else None,
    )


def list_runs(workspace: Path) -> list[dict]:
    """Saved runs, newest first: id, created, input name, customers, segments."""
    root = runs_dir(workspace)
    recover_runs(workspace)
    out = []
    for folder in sorted(root.glob("*"), reverse=True) if root.exists() else []:
        if folder.name.startswith(".") or not (folder / "run.json").exists():
            continue
        try:
            info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
            out.append({
                "run_id": folder.name, "created": info.get("created", ""), "input": info["input"]["name"],
                "customers": info["input"]["customers"], "segments": info["quality"]["n_segments"],
                "algorithm": info["parameters"]["cluster"]["algo"],
                "assignable": (folder / MODEL_DIR / "spec.json").exists(),
            })
        except (OSError, ValueError, KeyError, TypeError):  # unreadable: listed by nobody, never fatal
            continue
    return out


def rename_segment(workspace: Path, run_id: str, segment_id: int, name: str) -> None:
    """Give a segment the analyst's name; kept in the run's profiles (and so in every export)."""
    name = " ".join(str(name).split())[:120]
    if not name:
        raise ParameterError("A segment name cannot be empty; type a few words.")
    folder = _folder(workspace, run_id)
    profiles = json.loads((folder / "profiles.json").read_text(encoding="utf-8"))
    for profile in profiles:
        if int(profile["segment_id"]) == int(segment_id):
            profile["name"] = name
            profile["renamed"] = True
    atomic_write_text(folder / "profiles.json", json_text(profiles))


def _save_history(recommendations: Recommendations, folder: Path) -> None:
    """What the lists were made from, so an edit of the segments can recompute them."""
    history, item_ids = recommendations.history, recommendations.item_ids
    assert history is not None and item_ids is not None  # the caller checks history; the catalogue comes with it
    sp.save_npz(folder / HISTORY_FILE, history.tocsr())
    names = recommendations.item_names or {}
    items = pd.DataFrame({"item_id": item_ids.astype(str)})
    if names:
        items["item_name"] = items["item_id"].map(names)
    items.to_parquet(folder / ITEMS_FILE, index=False)


@dataclass
class ListFiles:
    """Recommendation lists recomputed for edited segments, to be written with them."""

    segment_lists: pd.DataFrame
    user_lists: pd.DataFrame
    evaluation: dict


def original_labels(run: SavedRun) -> np.ndarray:
    """The segment of each customer as the run was first saved (before any curation)."""
    original = run.folder / "segments_original.parquet"
    if original.exists():
        return pd.read_parquet(original, columns=["segment_id"])["segment_id"].to_numpy()
    return run.segments["segment_id"].to_numpy()


def load_history(run: SavedRun) -> tuple[sp.csr_matrix, pd.DataFrame] | None:
    """The customers × items history (recency-weighted) and the catalogue behind the lists, or None."""
    if not (run.folder / HISTORY_FILE).exists():
        return None
    return sp.load_npz(run.folder / HISTORY_FILE).tocsr(), pd.read_parquet(run.folder / ITEMS_FILE)


def rewrite_run(run: SavedRun, segments: pd.DataFrame, profiles: list[Profile], run_info: dict,
                lists: ListFiles | None = None) -> None:
    """Replace a saved run's segments, profiles and run.json after an edit (and its lists, when given), each
    file atomically. The first edit keeps the segmentation as it was saved in ``segments_original.parquet``."""
    original = run.folder / "segments_original.parquet"
    if not original.exists():
        shutil.copyfile(run.folder / "segments.parquet", run.folder / ".segments_original.tmp")
        os.replace(run.folder / ".segments_original.tmp", original)
    if lists is not None:
        atomic_write_bytes(run.folder / "recommendations.parquet",
                           lambda tmp: lists.segment_lists.to_parquet(tmp, index=False))
        atomic_write_bytes(run.folder / "user_recommendations.parquet",
                           lambda tmp: lists.user_lists.to_parquet(tmp, index=False))
        atomic_write_text(run.folder / "evaluation.json", json_text(lists.evaluation))
    atomic_write_bytes(run.folder / "segments.parquet", lambda tmp: segments.to_parquet(tmp, index=False))
    if (run.folder / MODEL_DIR / "labels.npy").exists():  # assign, refresh and explain vote with the edited segments
        atomic_write_bytes(run.folder / MODEL_DIR / "labels.npy",
                           lambda tmp: _save_npy(tmp, segments["segment_id"].to_numpy(np.int64)))
    atomic_write_text(run.folder / "profiles.json", json_text(profiles))
    atomic_write_text(run.folder / "run.json", json_text({**run_info, "run_id": run.run_id}))


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as fh:  # a handle: np.save would add ".npy" to a temporary file's name
        np.save(fh, array, allow_pickle=False)


def delete_run(workspace: Path, run_id: str) -> None:
    """Remove a run: renamed out of sight first, so a kill mid-delete never leaves half a run listed."""
    folder = _folder(workspace, run_id)
    trash = runs_dir(workspace) / f"{_DELETED}{run_id}.{os.getpid()}.{time.time_ns()}"
    os.replace(folder, trash)
    shutil.rmtree(trash, ignore_errors=True)


def compare_runs(workspace: Path, run_a: str, run_b: str) -> dict:
    """How two runs' segments agree on the customers they share (matched by id), as plain data.

    Returns ``{"customers": n shared, "ari": ..., "nmi": ..., "rows": [segment ids of a],
    "columns": [segment ids of b], "row_names", "column_names", "overlap": counts[row][column]}``;
    ARI and NMI are 1 for identical segmentations (up to renumbering) and about 0 for unrelated ones.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    a, b = load_run(workspace, run_a), load_run(workspace, run_b)
    merged = a.segments[["id", "segment_id"]].merge(b.segments[["id", "segment_id"]], on="id", suffixes=("_a", "_b"))
    if merged.empty:
        raise ParameterError(f"Runs {run_a!r} and {run_b!r} share no customer ids, so they cannot be compared.")
    table = pd.crosstab(merged["segment_id_a"], merged["segment_id_b"])
    return {
        "customers": int(len(merged)),
        "ari": float(adjusted_rand_score(merged["segment_id_a"], merged["segment_id_b"])),
        "nmi": float(normalized_mutual_info_score(merged["segment_id_a"], merged["segment_id_b"])),
        "rows": [int(v) for v in table.index], "columns": [int(v) for v in table.columns],
        "row_names": [a.names.get(int(v), "Unassigned") for v in table.index],
        "column_names": [b.names.get(int(v), "Unassigned") for v in table.columns],
        "overlap": table.to_numpy().astype(int).tolist(),
    }
