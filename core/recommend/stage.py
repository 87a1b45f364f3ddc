"""The recommend stage: per-segment and per-customer lists from all interactions, and their hold-out evaluation."""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from core.progress import Progress
from core.recommend.evaluate import evaluate, holdout_mask
from core.recommend.history import recency_weighted
from core.recommend.lists import Recommendations, RecommendParams
from core.recommend.personal import reason_text, recommend_customers
from core.represent.behaviour import Interactions, Matched, match
from core.represent.features import Customers
from core.storage.hashing import stable_hash
from core.storage.stage_cache import StageCache

_RECOMMEND_FORMAT = 4  # bump when the recommend stage's cached content changes shape


#: the segments re-fitted on the training interactions only (see :func:`recommend_stage`)
Refit = Callable[[Interactions, Progress], np.ndarray]


def recommend_stage(refit_segments: Refit, workspace: Path, labels: np.ndarray,
                    customers: Customers, interactions: Interactions, matched: Matched, rec: RecommendParams,
                    behaviour_used: bool, cluster_key: str, progress: Progress) -> tuple[Recommendations, str, bool]:
    """Per-segment and per-customer lists from all interactions, and their hold-out evaluation.

    The evaluation hides part of each customer's items; when the behaviour block shaped the
    segments, it re-fits them on the training interactions only, so the segments never saw
    what is being predicted. Returns (recommendations, cache key, cache hit).
    """
    key = stable_hash("recommend", _RECOMMEND_FORMAT, cluster_key, interactions.content_hash, rec.as_dict(),
                      behaviour_used, metadata.version("scipy"), metadata.version("numpy"))
    ids = customers.frame["id"].astype(str)
    history = recency_weighted(interactions, matched, rec.recency)

    def compute() -> tuple[dict[str, np.ndarray], dict]:
        progress("recommend", 0.0, "Ranking items per segment and per customer")
        lists, users, notes = recommend_customers(history, labels, ids, interactions.item_ids, rec,
                                                  interactions.item_names)
        progress("recommend", 0.4, "Evaluating on held-out interactions")
        evaluation = _evaluation(refit_segments, labels, ids, interactions, matched, rec, behaviour_used, progress)
        if notes:
            evaluation["notes"] = list(dict.fromkeys([*evaluation.get("notes", []), *notes]))
        position = {c: i for i, c in enumerate(ids)}
        items = interactions.item_ids.astype(str)
        progress("recommend", 1.0, f"Recommendations for {len(ids):,} customers")
        return {
            "customer": users["id"].map(position).to_numpy(np.int64),
            "item": pd.Categorical(users["item_id"], categories=items).codes.astype(np.int64),
            "rank": users["rank"].to_numpy(np.int64), "score": users["score"].to_numpy(np.float64),
            "because": pd.Categorical(users["because"], categories=items).codes.astype(np.int64),
        }, {"segment_lists": lists.to_dict("records"), "list_columns": list(lists.columns), "evaluation": evaluation}

    arrays, meta, hit = StageCache(workspace).cached("recommend", key, compute)
    because = np.where(arrays["because"] >= 0, interactions.item_ids[np.maximum(arrays["because"], 0)].astype(str), "")
    users = pd.DataFrame({"id": ids.to_numpy()[arrays["customer"]], "rank": arrays["rank"],
                          "item_id": interactions.item_ids[arrays["item"]].astype(str), "score": arrays["score"],
                          "because": because})
    outlier = np.asarray(labels)[arrays["customer"]] < 0
    users["reason"] = [reason_text(b, interactions.item_names, o) for b, o in zip(because, outlier, strict=False)]
    lists = pd.DataFrame(meta["segment_lists"], columns=meta["list_columns"])
    return (Recommendations(lists, users, meta["evaluation"], history, interactions.item_ids, interactions.item_names),
            key, hit)


def _evaluation(refit_segments: Refit, labels: np.ndarray, ids: pd.Series, interactions: Interactions,
                matched: Matched, rec: RecommendParams, behaviour_used: bool, progress: Progress) -> dict:
    """The hold-out evaluation, with the segments re-fitted on the training interactions when behaviour shaped them."""
    train_mask = holdout_mask(interactions, matched, rec.holdout, rec.seed)
    train = interactions.subset(train_mask)
    train_labels, refit = labels, "independent of the interactions (no behaviour block)"
    if train_mask.all():
        refit = "not re-fitted: nothing was held out"
    elif behaviour_used:
        progress("recommend", 0.5, "Re-fitting the segments on the training interactions only")

        def refit_progress(stage: str, fraction: float, message: str) -> None:
            progress("recommend", 0.5, f"Re-fit: {message}")

        train_labels = refit_segments(train, refit_progress)
        refit = "re-fitted on the training interactions only, so they never saw the held-out items"
    evaluation = evaluate(recency_weighted(train, match(train, ids), rec.recency),
                          match(interactions.subset(~train_mask), ids).matrix(), train_labels, rec)
    evaluation["holdout"] = {"share": rec.holdout, "temporal": interactions.has_time,
                             "by": f"per customer, the latest {rec.holdout:.0%} of their items (by first choice)"
                             if interactions.has_time else f"per customer, {rec.holdout:.0%} of their items at "
                             f"random (seed {rec.seed}): there are no times"}
    evaluation["segments"] = refit
    return evaluation
