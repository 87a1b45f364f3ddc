"""Curating a saved run: merge two segments, split one, give outliers their nearest segment, rename, reset.

Every edit relabels the run's customers, recomputes every profile, the quality figures and each customer's
runner-up segment and margin (from the run's saved feature matrix), and
rewrites the run's files atomically (core.runs.store.rewrite_run), so the curated segmentation is
what the pages and the exports read. Segment ids stay put: a merge keeps the first id, a split
keeps the id for its largest part and numbers the others after the largest id in the run.
Names the analyst gave stay with their segment. ``run.json`` gains ``curation``, the list of
edits in order; stability figures, measured before curation, remain only for segments whose
members did not change. ``segments_original.parquet`` keeps the run as first saved.

Customers given a segment by :func:`reassign_outliers` keep ``outlier`` = False, get
``reassigned`` = True and a ``membership`` that says how central they are: the share of the
segment's own members that lie farther from its centre (near 0 for a far-away outlier).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import ParameterError
from core.explain.profile import UNASSIGNED, Profile, attach_items, attach_segment_quality, profile_segments
from core.recommend.lists import RecommendParams
from core.recommend.personal import recommend_customers
from core.represent.features import Customers
from core.runs.assign import MODEL_DIR, load_model
from core.runs.store import (
    ListFiles,
    SavedRun,
    load_history,
    load_run,
    original_labels,
    rename_segment,
    rewrite_run,
)
from core.segment.cluster import ClusterParams, cluster
from core.segment.geometry import reassign_to_nearest, runner_up_margin, segment_centres
from core.segment.quality import segmentation_quality


def saved_customers(run: SavedRun) -> Customers:
    """The run's customers as :class:`Customers`, as the profile functions take them."""
    return Customers(run.customers, dict(run.run_info["roles"]), list(run.texts))


def _check_segment(run: SavedRun, segment_id: int) -> int:
    ids = sorted(set(run.segments["segment_id"].astype(int)) - {-1})
    if int(segment_id) not in ids:
        raise ParameterError(f"There is no segment {segment_id} in this run; pick one of {', '.join(map(str, ids))}.")
    return int(segment_id)


def _seed(run: SavedRun) -> int:
    return int(run.run_info.get("parameters", {}).get("cluster", {}).get("seed", 0))


def _kept_stability(run: SavedRun, labels: np.ndarray) -> dict | None:
    old = run.run_info.get("quality", {}).get("stability")
    if not old:
        return None
    before = run.segments["segment_id"].to_numpy()
    unchanged = {s: v for s, v in old["segments"].items()
                 if np.array_equal(before == int(s), labels == int(s))}
    return {**old, "segments": unchanged,
            "note": "Measured before curation; segments that curation changed have no stability figure."}


def _followed_lists(run: SavedRun, labels: np.ndarray) -> ListFiles | None:
    """The per-segment and per-customer lists recomputed for edited segments (runs saved with their history),
    or None when the labels did not change or the run has no history.

    The evaluation stays as measured for the segmentation the run made, and says so while the segments differ.
    """
    history = load_history(run)
    if run.evaluation is None or history is None or np.array_equal(labels, run.segments["segment_id"].to_numpy()):
        return None
    matrix, items = history
    names = dict(zip(items["item_id"], items["item_name"], strict=False)) if "item_name" in items else None
    params = RecommendParams(**run.run_info["recommend"]["parameters"])
    lists, users, _ = recommend_customers(matrix, labels, run.customers["id"], items["item_id"].to_numpy(dtype=object),
                                       params, {k: v for k, v in names.items() if pd.notna(v)} if names else None)
    evaluation = {k: v for k, v in run.evaluation.items() if k != "segments_edited"}
    if not np.array_equal(labels, original_labels(run)):
        evaluation["segments_edited"] = ("Measured for the segmentation as the run made it; the segments were "
                                         "edited since, and the lists follow the edited segments.")
    return ListFiles(lists, users, evaluation)


def _rewrite(run: SavedRun, segments: pd.DataFrame, profiles: list[Profile], run_info: dict) -> None:
    """Write an edited run: recommendations follow the new labels and profiles name each segment's items."""
    lists = _followed_lists(run, segments["segment_id"].to_numpy())
    if lists is not None:
        attach_items(profiles, lists.segment_lists)
    elif run.recommendations is not None:
        attach_items(profiles, run.recommendations)
    rewrite_run(run, segments, profiles, run_info, lists)


def _apply(run: SavedRun, labels: np.ndarray, membership: np.ndarray, reassigned: np.ndarray, action: dict,
           names: dict[int, str], figures: dict | None = None) -> SavedRun:
    """Re-profile with the new labels, keep the analyst's names, and rewrite the run."""
    if run.parents is not None:
        raise ParameterError("Merging, splitting or moving customers is not available on a run with two levels yet; "
                             "run it again with one level to curate it.")
    kept = {int(p["segment_id"]): p["name"] for p in run.profiles if p.get("renamed")}
    kept.update(names)
    kept = {s: n for s, n in kept.items() if (labels == s).any()}
    profiles = profile_segments(saved_customers(run), labels, run.cluster_space, names=kept)
    if figures is None:
        figures = segmentation_quality(run.cluster_space, labels, _seed(run))
        figures["stability"] = _kept_stability(run, labels)
        figures["curated"] = True
    attach_segment_quality(profiles, figures)
    by_id = {p["segment_id"]: p["name"] for p in profiles}
    segments = run.segments.copy()
    segments["segment_id"] = labels.astype(np.int32)
    segments["segment_name"] = [by_id.get(int(s), UNASSIGNED) for s in labels]
    segments["membership"] = np.round(membership.astype(float), 4)
    segments["outlier"] = labels < 0
    segments["reassigned"] = reassigned
    if (run.folder / MODEL_DIR / "spec.json").exists():  # runs saved with their feature matrix
        features = load_model(run.folder / MODEL_DIR).features
        runner_up, margin = runner_up_margin(features, labels, *segment_centres(features, labels))
        segments["runner_up"], segments["margin"] = runner_up, np.round(margin, 4)
    run_info = {**run.run_info, "quality": figures,
                "quality_before_curation": run.run_info.get("quality_before_curation", run.run_info["quality"]),
                "curation": [*run.run_info.get("curation", []), {**action, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}]}
    _rewrite(run, segments, profiles, run_info)
    return load_run(run.folder.parent.parent, run.run_id)


def _state(run: SavedRun) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    seg = run.segments
    reassigned = seg["reassigned"].to_numpy(dtype=bool) if "reassigned" in seg else np.zeros(len(seg), dtype=bool)
    return seg["segment_id"].to_numpy(dtype=np.int32).copy(), seg["membership"].to_numpy(dtype=float).copy(), reassigned


def merge_segments(workspace: Path, run_id: str, keep: int, absorb: int, name: str | None = None) -> SavedRun:
    """Move every member of segment ``absorb`` into segment ``keep``; optionally name the result."""
    run = load_run(workspace, run_id)
    keep, absorb = _check_segment(run, keep), _check_segment(run, absorb)
    if keep == absorb:
        raise ParameterError("Pick two different segments to merge.")
    labels, membership, reassigned = _state(run)
    labels[labels == absorb] = keep
    names = {keep: _clean_name(name)} if name is not None else {}
    return _apply(run, labels, membership, reassigned, {"action": "merge", "keep": keep, "absorb": absorb}, names)


def split_segment(workspace: Path, run_id: str, segment_id: int, k: int = 2) -> SavedRun:
    """Re-cluster one segment into ``k`` parts (KMeans in the clustering space, seeded like the run)."""
    run = load_run(workspace, run_id)
    segment_id = _check_segment(run, segment_id)
    labels, membership, reassigned = _state(run)
    members = np.where(labels == segment_id)[0]
    if not isinstance(k, int) or isinstance(k, bool) or k < 2:
        raise ParameterError(f"A segment splits into at least 2 parts, not {k!r}.")
    if len(members) < 2 * k:
        raise ParameterError(f"Segment {segment_id} has {len(members)} customers, too few to split into {k}; "
                             f"choose fewer parts or another segment.")
    parts = cluster(run.cluster_space[members], ClusterParams(algo="kmeans", k=k, seed=_seed(run)))
    new_ids = [segment_id] + list(range(int(labels.max()) + 1, int(labels.max()) + k))
    labels[members] = np.asarray(new_ids)[parts.labels]
    membership[members] = parts.membership
    action = {"action": "split", "segment": segment_id, "into": new_ids}
    return _apply(run, labels, membership, reassigned, action, {})


def carve_segment(run: SavedRun, mask: np.ndarray, name: str, action: dict) -> tuple[SavedRun, int]:
    """Move the customers in ``mask`` into a new segment (one above the largest id) named ``name``.

    Returns the rewritten run and the new id; ``action`` (with ``segment`` added) joins ``curation``.
    """
    name = _clean_name(name)
    labels, membership, reassigned = _state(run)
    new_id = int(max(labels.max(), -1)) + 1
    labels[mask], membership[mask], reassigned[mask] = new_id, 1.0, False
    return _apply(run, labels, membership, reassigned, {**action, "segment": new_id}, {new_id: name}), new_id


def reassign_outliers(workspace: Path, run_id: str) -> SavedRun:
    """Give each unassigned customer the segment with the nearest centre, membership kept visible."""
    run = load_run(workspace, run_id)
    labels, membership, reassigned = _state(run)
    outliers = np.where(labels < 0)[0]
    ids = sorted(set(labels.tolist()) - {-1})
    if not len(outliers) or not ids:
        raise ParameterError("This run has no unassigned customers to reassign." if ids else
                             "This run has no segment to give the unassigned customers; segment with other settings.")
    labels, membership = reassign_to_nearest(run.cluster_space, labels, membership)
    reassigned[outliers] = True
    return _apply(run, labels, membership, reassigned, {"action": "reassign outliers", "customers": len(outliers)}, {})


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())[:120]
    if not name:
        raise ParameterError("A segment name cannot be empty; type a few words.")
    return name


def rename(workspace: Path, run_id: str, segment_id: int, name: str) -> SavedRun:
    """Give a segment the analyst's name (kept through later edits and in every export)."""
    run = load_run(workspace, run_id)
    segment_id = _check_segment(run, segment_id)
    name = _clean_name(name)
    rename_segment(workspace, run_id, segment_id, name)
    run = load_run(workspace, run_id)
    segments = run.segments
    run_info = {**run.run_info, "curation": [*run.run_info.get("curation", []),
                                             {"action": "rename", "segment": segment_id, "name": name,
                                              "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}]}
    _rewrite(run, segments, run.profiles, run_info)
    return load_run(workspace, run_id)


def reset_curation(workspace: Path, run_id: str) -> SavedRun:
    """Go back to the segmentation as first saved (names the analyst gave to its segments stay)."""
    run = load_run(workspace, run_id)
    original_path = run.folder / "segments_original.parquet"
    if not original_path.exists():
        raise ParameterError("This run has not been curated; there is nothing to reset.")
    original = pd.read_parquet(original_path)
    labels = original["segment_id"].to_numpy(dtype=np.int32)
    return _apply(run, labels, original["membership"].to_numpy(dtype=float), np.zeros(len(labels), dtype=bool),
                  {"action": "reset"}, {}, figures=run.run_info.get("quality_before_curation"))
