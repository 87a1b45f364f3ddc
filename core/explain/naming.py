"""Segment names an analyst would give: the strongest significant number, two distinctive words, a category."""

from __future__ import annotations

import re

import numpy as np

from core.explain.statistics import CategoryTrait, NumericTrait
from core.explain.terms import Term
from core.represent.features import Customers

UNASSIGNED = "Unassigned"  # the name of the customers in no segment (segment id -1)
NAME_STD_DIFF = 0.8  # a numeric trait worth naming (a large standardised difference)
MIN_EFFECT_H = 0.3  # a category worth naming (Cohen's h)
_AGE = re.compile(r"(^|[^a-z])age($|[^a-z])", re.IGNORECASE)


def _binary(values: np.ndarray) -> bool:
    """Whether a numeric column only holds 0 and 1 (a flag such as 'Recommended IND')."""
    return set(np.unique(values[~np.isnan(values)]).tolist()) <= {0.0, 1.0}


def _band(low: float, high: float, step: int) -> tuple[int, int]:
    return int(np.floor(low / step) * step), int(np.ceil(high / step) * step)


def numeric_label(trait: NumericTrait, values: np.ndarray, mask: np.ndarray) -> str:
    """How an analyst would say a numeric trait: '55+' or 'under 30' for ages, 'Rating 1–3' for small
    whole numbers, 'Recommended: 35% vs 80%' (the segment's share of ones against everyone else's) for a 0/1
    column, else 'high Spend'."""
    col, up = trait["column"], trait["std_diff"] > 0
    x = values[mask]
    x = x[~np.isnan(x)]
    everyone = values[~np.isnan(values)]
    q25, q75 = np.percentile(x, [25, 75])
    if _AGE.search(col):
        low, high = _band(q25, q75, 5)
        if up and q25 >= np.percentile(everyone, 60):
            return f"{low}+"
        if not up and q75 <= np.percentile(everyone, 40):
            return f"under {high}"
        return f"age {low}–{high}"
    if _binary(everyone):
        rest = values[~mask]
        rest = rest[~np.isnan(rest)]
        return f"{col}: {x.mean():.0%} vs {rest.mean():.0%}" if len(rest) else f"{col}: {x.mean():.0%}"
    whole = np.all(np.mod(everyone, 1) == 0)
    if whole and len(np.unique(everyone)) <= 11:
        low, high = int(q25), int(q75)
        return f"{col} {low}" if low == high else f"{col} {low}–{high}"
    return f"{'high' if up else 'low'} {col}"


def _category_label(trait: CategoryTrait) -> str:
    value = trait["value"]
    return value if re.search(r"[^\W\d_]{2}", value) else f"{trait['column']} {value}"


def auto_name(customers: Customers, mask: np.ndarray, words: list[Term], numbers: list[NumericTrait],
              categories: list[CategoryTrait]) -> str:
    """A short name from the strongest significant traits: 'numeric band · two words · category'.

    A number enters when its standardised difference is large (≥ 0.8), a category when it is
    significant, over-represented (Cohen's h ≥ 0.3) and held by ≥ 30 % of members; the words are
    the two most distinctive ones used by ≥ 5 % of members that do not repeat the category.
    Members mostly without text are called so ('no text'). A 0/1 column says less than a band of
    ages or ratings: it enters only when no other number does, and last, as shares
    ('words · category · Recommended: 4% vs 92%').
    """
    parts = []
    nums = [n for n in numbers if n["significant"] and abs(n["std_diff"]) >= NAME_STD_DIFF]
    columns = {n["column"]: customers.frame[n["column"]].to_numpy(dtype="float64", na_value=np.nan) for n in nums}
    flags = [n for n in nums if _binary(columns[n["column"]])]
    leading = [n for n in nums if n not in flags]
    if leading:
        parts.append(numeric_label(leading[0], columns[leading[0]["column"]], mask))
    cats = [c for c in categories if c["significant"] and c["effect"] >= MIN_EFFECT_H and c["share"] >= 0.3]
    category = _category_label(cats[0]) if cats else None
    lowered = category.lower() if category else ""
    fresh = [w for w in words if not (lowered and (w["term"] in lowered or lowered in w["term"]))]
    picked = [w["term"] for w in fresh if w["share"] >= 0.05][:2] or [w["term"] for w in fresh][:2]
    if picked:
        parts.append(", ".join(picked))
    elif customers.columns["text"] and np.mean([not customers.texts[i] for i in np.where(mask)[0]]) >= 0.9:
        parts.append("no text")
    if category:
        parts.append(category)
    if flags and not leading:
        parts.append(numeric_label(flags[0], columns[flags[0]["column"]], mask))
    return " · ".join(parts) if parts else "Mixed"

