"""Profiles of two levels of segments: a parent against everyone (the run's usual profiles), a child against its
siblings (the other members of its parent), with :func:`core.explain.profile.profile_segments` run on the parent's
members.

A child's profile is a usual profile plus ``parent`` (its parent's id), ``parent_name`` and ``share_of_parent``;
its ``share`` stays a share of all customers. A parent's profile gains ``children`` (the fine ids, largest first). A
parent that stayed whole has one child with the parent's own profile and name. A fine name that children of
different parents share is followed by the parent's name in brackets ("45+ (high spend)").
"""

from __future__ import annotations

from collections import Counter
from typing import Any, NotRequired

import numpy as np
import pandas as pd

from core.explain.profile import Profile, profile_segments
from core.represent.features import Customers
from core.segment.cluster import Clustering
from core.segment.clusterers import ClusterParams
from core.segment.levels import LevelParams, nest
from core.storage.hashing import stable_hash
from core.storage.stage_cache import StageCache, StageResult


class LevelProfile(Profile):
    """A profile on two levels: a child's has ``parent``, ``parent_name`` and ``share_of_parent``; a parent's
    ``children``."""

    parent: NotRequired[int]
    parent_name: NotRequired[str]
    share_of_parent: NotRequired[float]
    children: NotRequired[list[int]]


def members(customers: Customers, rows: np.ndarray) -> Customers:
    """The customers at ``rows`` (one per customer, in the given order)."""
    return Customers(customers.frame.iloc[rows].reset_index(drop=True), customers.roles,
                     [customers.texts[i] for i in rows])


def _children(customers: Customers, rows: np.ndarray, local: np.ndarray, space: np.ndarray,
              parent: Profile, first_id: int) -> list[LevelProfile]:
    """The profiles of one parent's children, compared with each other; fine ids from ``first_id``."""
    if local.max() == 0:
        found: list[Profile] = [{**parent, "segment_id": 0}]
    else:
        found = profile_segments(members(customers, rows), local, space[rows])
    n_all, n_parent = len(customers), len(rows)
    out: list[LevelProfile] = [{**p, "segment_id": first_id + int(p["segment_id"]), "share": p["size"] / n_all,
             "parent": int(parent["segment_id"]), "parent_name": parent["name"],
             "share_of_parent": p["size"] / n_parent} for p in found]
    return out


def level_profiles(customers: Customers, parents: np.ndarray, fine: np.ndarray, space: np.ndarray,
                   parent_profiles: list[Profile]) -> tuple[list[LevelProfile], list[LevelProfile]]:
    """(fine profiles, parent profiles with ``children``), both in the order of their ids, unassigned last."""
    fine_profiles: list[LevelProfile] = []
    with_children: list[LevelProfile] = []
    for parent in parent_profiles:
        pid = int(parent["segment_id"])
        if pid < 0:
            continue
        rows = np.flatnonzero(parents == pid)
        first = int(fine[rows].min())
        children = _children(customers, rows, fine[rows] - first, space, parent, first)
        fine_profiles.extend(children)
        with_children.append({**parent, "children": [int(c["segment_id"]) for c in children]})
    fine_profiles.sort(key=lambda p: p["segment_id"])
    with_children.sort(key=lambda p: p["segment_id"])
    seen = Counter(p["auto_name"] for p in fine_profiles)
    for profile in fine_profiles:
        if seen[profile["auto_name"]] > 1 and profile.get("parent_name") != profile["auto_name"]:
            profile["auto_name"] = profile["name"] = f"{profile['auto_name']} ({profile.get('parent_name')})"
    unassigned: list[LevelProfile] = [{**p, "parent": -1, "parent_name": p["name"], "share_of_parent": 1.0}
                  for p in parent_profiles if p["segment_id"] < 0]
    return fine_profiles + unassigned, with_children + [{**p} for p in parent_profiles if p["segment_id"] < 0]


LEVELS_FORMAT = 1  # bump when the fine segments or their profiles change


def levels_stage(stages: StageCache, profile_key: str, customers: Customers, parents: np.ndarray, space: np.ndarray,
                 params: ClusterParams, levels: LevelParams,
                 parent_profiles: list[Profile]) -> tuple[Clustering, list[Profile], list[Profile], dict[str, Any],
                                                          str, bool]:
    """The second level, kept per (profiles of the parents, clustering and level parameters): the fine clustering,
    the fine profiles, the parents' profiles with their children, what ``run.json`` records, the key, cache hit."""

    def compute() -> StageResult:
        nested = nest(space, parents, params, levels)
        fine, with_children = level_profiles(customers, parents, nested.labels, space, parent_profiles)
        info = {"levels": levels.levels, "parents": len(set(parents.tolist()) - {-1}),
                "segments": len(nested.parent_of), "unsplit": nested.unsplit, "k_silhouette": nested.k_scores}
        return ({"labels": nested.labels, "membership": nested.membership},
                {"profiles": fine, "parents": with_children, "info": info, "notices": nested.notices})

    key = stable_hash("levels", LEVELS_FORMAT, profile_key, params.as_dict(), levels.as_dict())
    arrays, meta, hit = stages.cached("levels", key, compute)
    clustering = Clustering(arrays["labels"], arrays["membership"], {}, meta["notices"])
    return clustering, meta["profiles"], meta["parents"], meta["info"], key, hit


def tree_rows(parents: list[Profile], profiles: list[Profile]) -> list[dict[str, Any]]:
    """The two levels as rows (``id``, ``name``, ``parent`` ("" at the top), ``size``, ``share``), each parent
    followed by its children, for a sunburst or an indented list; ids are "p<parent>" and "s<segment>"."""
    rows: list[dict[str, Any]] = []
    for parent in parents:
        if parent["segment_id"] < 0:
            continue
        rows.append({"id": f"p{parent['segment_id']}", "name": parent["name"], "parent": "", "size": parent["size"],
                     "share": parent["share"]})
        rows += [{"id": f"s{c['segment_id']}", "name": c["name"], "parent": f"p{parent['segment_id']}",
                  "size": c["size"], "share": c["share"]}
                 for c in profiles if c.get("parent") == parent["segment_id"]]
    return rows


def drill_labels(segment_ids: np.ndarray, parent_ids: np.ndarray, parent: int) -> np.ndarray:
    """Each customer's segment inside ``parent``, -1 for everyone outside it (drawn grey on the map)."""
    return np.where(np.asarray(parent_ids) == parent, np.asarray(segment_ids), -1)


def parent_level(segments: pd.DataFrame) -> pd.DataFrame:
    """A two-level segments table at the parent level: ``segment_id`` and ``segment_name`` are the parent's, and
    the fine segment's own columns (membership, runner_up, margin, parent_*) are left out."""
    fine = ["segment_id", "segment_name", "membership", "runner_up", "margin", "parent_id", "parent_name"]
    out = segments.drop(columns=[c for c in fine if c in segments])
    out.insert(1, "segment_id", segments["parent_id"].to_numpy())
    out.insert(2, "segment_name", segments["parent_name"].to_numpy())
    return out
