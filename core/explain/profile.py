"""What makes each segment different: a profile per segment, as plain data (no charts here).

This module assembles the profiles; words and phrases come from :mod:`core.explain.terms`, the tests and their
correction from :mod:`core.explain.statistics`, the names from :mod:`core.explain.naming`.

``profile_segments`` returns one dict per segment (largest first, unassigned last)::

    segment_id   int, -1 for the unassigned customers
    name         str, the analyst's name when renamed, else ``auto_name``
    auto_name    str, generated from the strongest significant traits ("55+ · petite, length · Dresses")
    size, share  members and their share of all customers
    words        [{term, score, share, share_rest}] distinctive single words (class-based TF-IDF);
                 share = fraction of the segment's members using the term, share_rest = of everyone else
    phrases      [{term, score, share, share_rest}] distinctive two- and three-word phrases
    numeric      [{column, mean, median, mean_rest, median_rest, std_diff, p_value, q_value, significant}]
                 ranked by |std_diff| (difference of means in standard deviations of all
                 customers, finite even when a group does not vary); p from a two-sided
                 Mann–Whitney U test, q after Benjamini–Hochberg across every test of the run
    categories   [{column, value, count, share, share_all, share_rest, lift, effect, p_value, q_value,
                 significant}] over-represented values ranked by effect (Cohen's h of share vs share_rest);
                 p from a two-proportion test (Fisher's exact test when a cell is small)
    representatives [{id, text}] the members closest to the segment's centre in the clustering space

The pipeline adds ``quality`` ({silhouette, stability, verdict}) per segment (see core/quality.py).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, NotRequired, TypedDict

import numpy as np
import pandas as pd

from core.explain.naming import UNASSIGNED, auto_name, numeric_label
from core.explain.statistics import (
    ALPHA,
    CategoryTrait,
    NumericTrait,
    add_q_values,
    benjamini_hochberg,
    category_tests,
    category_traits,
    numeric_traits,
    over_represented,
    proportion_p,
)
from core.explain.terms import (
    Term,
    TermPresence,
    cached_term_presence,
    distinctive_terms,
    distinctive_words_and_phrases,
    term_presence,
)
from core.represent.features import Customers

# The names other modules import from here; each is defined in the module of its concern.
__all__ = ["ALPHA", "UNASSIGNED", "CategoryTrait", "NumericTrait", "Profile", "Representative", "Term",
           "TermPresence", "Traits", "add_q_values", "attach_items", "attach_segment_quality", "benjamini_hochberg",
           "cached_term_presence", "category_tests", "category_traits", "distinctive_terms",
           "distinctive_words_and_phrases", "numeric_label", "numeric_traits", "profile_segments", "proportion_p",
           "representatives", "segment_names", "term_presence"]


class Representative(TypedDict):
    """A member close to the segment's centre."""

    id: str
    text: str


class Traits(TypedDict):
    """What sets a group of customers apart: a segment's or a map selection's."""

    size: int
    share: float
    words: list[Term]
    numeric: list[NumericTrait]
    categories: list[CategoryTrait]
    representatives: list[Representative]
    items: NotRequired[list[dict[str, Any]]]  # a segment's most over-represented items, with interactions


class Profile(Traits):
    """One segment's profile, as ``profiles.json`` holds it (see the module docstring)."""

    segment_id: int
    name: str
    auto_name: str
    phrases: list[Term]
    renamed: NotRequired[bool]  # the analyst named it
    quality: NotRequired[dict[str, Any]]  # {silhouette, stability, verdict}, added by the pipeline


N_REPRESENTATIVES = 5


def representatives(customers: Customers, points: np.ndarray, mask: np.ndarray,
                    n: int = N_REPRESENTATIVES) -> list[Representative]:
    """The members closest to the segment's centre in the clustering space, with their text."""
    idx = np.where(mask)[0]
    if len(idx) == 0:
        return []
    centre = points[idx].mean(axis=0)
    order = idx[np.argsort(((points[idx] - centre) ** 2).sum(axis=1), kind="stable")[:n]]
    ids = customers.frame["id"]
    return [{"id": str(ids.iloc[i]), "text": customers.texts[i][:400]} for i in order]

def profile_segments(customers: Customers, labels: np.ndarray, points: np.ndarray,
                     names: dict[int, str] | None = None, presence: TermPresence | None = None) -> list[Profile]:
    """One profile per segment (largest first), the unassigned customers last.

    Significance is corrected with Benjamini–Hochberg across every numeric and category test of
    every segment. ``names`` keeps analyst-given names (segment id → name); ``presence`` is the
    texts' :func:`term_presence` when already at hand (the pipeline caches it per text content).
    """
    names = names or {}
    n = len(labels)
    terms = distinctive_words_and_phrases(customers.texts, labels, presence=presence)
    ids = sorted(set(labels.tolist()), key=lambda v: (v < 0, v))
    masks = {s: labels == s for s in ids}
    nums = {s: numeric_traits(customers, masks[s]) for s in ids if s >= 0}
    cats = {s: category_tests(customers, masks[s]) for s in ids if s >= 0}
    add_q_values([row for s in nums for row in nums[s] + cats[s]])
    profiles: list[Profile] = []
    seen: Counter[str] = Counter()
    for s in ids:
        mask = masks[s]
        over = over_represented(cats.get(s, []))
        seg_terms = terms.get(s, {"words": [], "phrases": []})
        generated = UNASSIGNED if s < 0 else auto_name(customers, mask, seg_terms["words"], nums[s], over)
        seen[generated] += 1
        if seen[generated] > 1:
            generated = f"{generated} ({seen[generated]})"
        profile: Profile = {
            "segment_id": int(s), "name": names.get(int(s), generated), "auto_name": generated,
            "size": int(mask.sum()), "share": float(mask.sum() / n),
            "words": seg_terms["words"], "phrases": seg_terms["phrases"],
            "numeric": nums.get(s, []), "categories": over,
            "representatives": representatives(customers, points, mask) if s >= 0 else [],
        }
        if int(s) in names:
            profile["renamed"] = True
        profiles.append(profile)
    return profiles


def segment_names(profiles: list[Profile]) -> dict[int, str]:
    """Segment id → name."""
    return {p["segment_id"]: p["name"] for p in profiles}


def attach_items(profiles: list[Profile], segment_lists: pd.DataFrame, n_items: int = 5) -> list[Profile]:
    """Give each segment's profile its most over-represented items (the top of its lift list), in place.

    ``segment_lists`` is :class:`core.recommend.lists.Recommendations`' table (``segment_id, rank, item_id,
    score, reason`` (, ``item_name``), ``list``); segments without a list get an empty ``items``.
    """
    lift = segment_lists[segment_lists["list"] == "lift"] if "list" in segment_lists else segment_lists
    columns = [c for c in ("item_id", "item_name", "score", "reason") if c in lift]
    for profile in profiles:
        rows = lift[lift["segment_id"] == profile["segment_id"]].sort_values("rank").head(n_items)
        profile["items"] = [{c: (str(r[c]) if c in ("item_id", "item_name") else r[c]) for c in columns}
                            for r in rows.to_dict("records")]
    return profiles


def attach_segment_quality(profiles: list[Profile], figures: dict[str, Any]) -> None:
    """Give each segment's profile its ``quality``: silhouette, stability (Jaccard) and verdict."""
    stable = (figures.get("stability") or {}).get("segments", {})
    for profile in profiles:
        s = int(profile["segment_id"])
        if s < 0:
            continue
        own = stable.get(s, {})
        profile["quality"] = {"silhouette": figures["segments"].get(s, {}).get("silhouette"),
                              "stability": own.get("jaccard"), "verdict": own.get("verdict")}
