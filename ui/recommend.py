"""The Recommendations page's tables and the Export page's recommendation files, read from a saved run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import HISTORY_FILE, SavedRun, csv_bytes, hash_ids, json_text, workspace_key
from ui.figures import EVALUATION_METRICS
from ui.state import workspace

LIST_TITLES = {"lift": "Chosen more here than elsewhere (lift)", "popular": "Most chosen in the segment"}
#: how a customer's list was made, per method (``RecommendParams.method``)
METHOD_WORDS = {"ease": "Items that go with what they chose, their latest choices counting most (EASE).",
                "item_knn": "Items most similar to what they chose (item-kNN).",
                "blend": "Their segment's ranking blended with items similar to their own history."}


def segments_changed(run: SavedRun) -> bool:
    """Whether the run's segments were edited (curated, a selection saved) after the recommendations were made.

    Recommendations are computed by the run for the segmentation it saved, which an edit keeps
    in ``segments_original.parquet``; a reset back to it makes them current again.
    """
    original = run.folder / "segments_original.parquet"
    if not original.exists():
        return False
    before = pd.read_parquet(original, columns=["segment_id"])["segment_id"].to_numpy()
    return not np.array_equal(before, run.segments["segment_id"].to_numpy())


def lists_follow_edits(run: SavedRun) -> bool:
    """Whether an edit of the segments recomputes this run's lists (runs saved with their interaction history)."""
    return (run.folder / HISTORY_FILE).exists()


def segment_list(run: SavedRun, segment_id: int, which: str) -> pd.DataFrame:
    """One segment's ranked list (``lift`` or ``popular``): rank, item, (name,) score and reason."""
    recs = run.recommendations
    assert recs is not None  # the Recommendations page shows only runs with recommendations
    rows = recs[(recs["segment_id"] == segment_id) & (recs["list"] == which)]
    columns = [c for c in ("rank", "item_id", "item_name", "score", "reason") if c in rows.columns]
    return rows[columns].reset_index(drop=True)


def item_names(run: SavedRun) -> dict[str, str]:
    recs = run.recommendations
    if recs is None or "item_name" not in recs.columns:
        return {}
    return dict(zip(recs["item_id"].astype(str), recs["item_name"].astype(str), strict=False))


def customer_lookup(run: SavedRun, customer_id: str) -> tuple[pd.DataFrame, int, bool]:
    """A customer's top-k (rank, item, (name,) score, (reason)), their segment, and whether it is their segment's list.

    A customer without interactions (cold start) gets exactly their segment's popular list; a
    customer with history gets items that follow from it, which moves the list.
    """
    users = run.user_recommendations
    assert users is not None  # the Recommendations page shows only runs with recommendations
    columns = [c for c in ("rank", "item_id", "score", "reason") if c in users.columns]  # runs before reasons: none
    mine = users[users["id"].astype(str) == str(customer_id)][columns].reset_index(drop=True)
    names = item_names(run)
    if names:
        mine.insert(2, "item_name", mine["item_id"].map(names))
    row = run.segments.loc[run.segments["id"].astype(str) == str(customer_id), "segment_id"]
    segment = int(row.iloc[0]) if len(row) else -1
    popular = segment_list(run, segment, "popular")["item_id"].tolist() if segment >= 0 else []
    same = bool(popular) and mine["item_id"].tolist() == popular[: len(mine)] and len(mine) > 0
    return mine, segment, same


def evaluation_table(evaluation: dict) -> pd.DataFrame:
    """One row per method, the held-out figures as columns (``@k`` spelled with the run's k): the popularity and
    item-kNN baselines and the method the customer lists were made with first (marked), then the others."""
    k = evaluation.get("k", "k")
    methods = evaluation.get("methods", {})
    default = evaluation.get("default", "blend")  # runs before the choice of method used the blend
    first = [m for m in dict.fromkeys(("popularity", "item_knn", default)) if m in methods]
    rows = [{"method": methods[name].get("label", name) + (" — your customer lists" if name == default else ""),
             **{label.replace("@k", f"@{k}"): methods[name].get(metric)
                for metric, label in EVALUATION_METRICS.items()}}
            for name in first + [m for m in methods if m not in first]]
    return pd.DataFrame(rows)


@st.cache_data(max_entries=4, show_spinner="Preparing the recommendation files…")
def recommendation_files(folder: str, version: float, _run: SavedRun, hashed: bool = False) -> dict[str, bytes]:
    """``recommendations.csv``, ``user_recommendations.csv`` (formula-safe) and ``evaluation.json`` as the
    command line writes them; empty when the run has no recommendations. With ``hashed`` the customer
    ids are the workspace's keyed hashes, as in the segments export."""
    if _run.recommendations is None or _run.user_recommendations is None or _run.evaluation is None:
        return {}
    users = _run.user_recommendations
    if hashed:
        users = users.assign(id=hash_ids(users["id"], workspace_key(workspace())))
    return {"recommendations.csv": csv_bytes(_run.recommendations), "user_recommendations.csv": csv_bytes(users),
            "evaluation.json": json_text(_run.evaluation).encode("utf-8")}


def recommendation_rows(run: SavedRun) -> dict[str, int]:
    """Rows of each file of :func:`recommendation_files`, for the export audit (a JSON object counts one)."""
    assert run.recommendations is not None and run.user_recommendations is not None  # a run with recommendations
    return {"recommendations.csv": len(run.recommendations), "user_recommendations.csv": len(run.user_recommendations),
            "evaluation.json": 1}
