"""Numbers and categories of a group against everyone else: Mann–Whitney and two-proportion (or Fisher's exact)
tests, effect sizes, and the Benjamini–Hochberg correction across a family of tests."""

from __future__ import annotations

import warnings
from typing import NotRequired, TypedDict

import numpy as np

from core.represent.features import TOP_LEVELS, Customers


class NumericTrait(TypedDict):
    """A number compared with everyone else."""

    column: str
    mean: float
    median: float
    mean_rest: float
    median_rest: float
    std_diff: float
    p_value: float | None
    q_value: NotRequired[float | None]
    significant: NotRequired[bool]


class CategoryTrait(TypedDict):
    """An over-represented category value."""

    column: str
    value: str
    count: int
    share: float
    share_all: float
    share_rest: float
    lift: float
    effect: float
    p_value: float | None
    q_value: NotRequired[float | None]
    significant: NotRequired[bool]


ALPHA = 0.05


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values) for a family of tests."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = np.clip(q, 0, 1)
    return out


def _numeric_trait(col: str, x: np.ndarray, mask: np.ndarray) -> NumericTrait | None:
    from scipy.stats import mannwhitneyu

    spread = float(np.nanstd(x)) if np.isfinite(x).any() else 0.0
    inside, outside = x[mask], x[~mask]
    inside, outside = inside[~np.isnan(inside)], outside[~np.isnan(outside)]
    if len(inside) == 0:
        return None
    mean_in = float(inside.mean())
    mean_out = float(outside.mean()) if len(outside) else float("nan")
    diff = (mean_in - mean_out) / spread if spread > 0 and len(outside) else 0.0
    p = 1.0
    if len(inside) >= 2 and len(outside) >= 2 and spread > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = float(mannwhitneyu(inside, outside, alternative="two-sided", method="asymptotic").pvalue)
    return {"column": col, "mean": mean_in, "median": float(np.median(inside)), "mean_rest": mean_out,
            "median_rest": float(np.median(outside)) if len(outside) else float("nan"),
            "std_diff": float(diff), "p_value": p if np.isfinite(p) else 1.0}


def numeric_traits(customers: Customers, mask: np.ndarray) -> list[NumericTrait]:
    """Mean and median in the segment against everyone else, with a Mann–Whitney p-value (uncorrected).

    Ranked by |standardised difference|; ``profile_segments`` adds the corrected q-values.
    """
    rows: list[NumericTrait] = []
    for col in customers.columns["numeric"]:
        row = _numeric_trait(col, customers.frame[col].to_numpy(dtype="float64", na_value=np.nan), mask)
        if row:
            rows.append(row)
    return sorted(rows, key=lambda r: -abs(r["std_diff"]))


def proportion_p(a: int, n_a: int, b: int, n_b: int) -> float:
    """Two-sided p-value that a/n_a and b/n_b differ: two-proportion z test, Fisher's exact when a cell is small."""
    from scipy.stats import fisher_exact, norm

    if n_a == 0 or n_b == 0:
        return 1.0
    pooled = (a + b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        return 1.0
    expected = np.array([n_a * pooled, n_a * (1 - pooled), n_b * pooled, n_b * (1 - pooled)])
    if expected.min() < 5:
        return float(fisher_exact([[a, n_a - a], [b, n_b - b]]).pvalue)
    z = (a / n_a - b / n_b) / np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return float(2 * norm.sf(abs(z)))


def category_tests(customers: Customers, mask: np.ndarray) -> list[CategoryTrait]:
    """Every frequent value's share in the segment, overall and in the rest, its lift, effect and p-value.

    Covers each categorical column's most frequent values (those the features encode), over- and
    under-represented alike, so that the multiple-testing correction counts every test made.
    """
    rows: list[CategoryTrait] = []
    n_in, n_out = int(mask.sum()), int((~mask).sum())
    for col in customers.columns["categorical"]:
        values = customers.frame[col]
        counts_all = values.value_counts()
        inside = values[mask].value_counts()
        n_all = len(values)
        for value in counts_all.index[:TOP_LEVELS]:
            count, total = int(inside.get(value, 0)), int(counts_all[value])
            share, share_rest = count / max(n_in, 1), (total - count) / max(n_out, 1)
            base = total / n_all
            effect = 2 * np.arcsin(np.sqrt(share)) - 2 * np.arcsin(np.sqrt(share_rest))
            rows.append({
                "column": col, "value": str(value), "count": count, "share": float(share), "share_all": float(base),
                "share_rest": float(share_rest), "lift": float(share / base), "effect": float(effect),
                "p_value": proportion_p(count, n_in, total - count, n_out),
            })
    return rows


def category_traits(customers: Customers, mask: np.ndarray, top: int = 8) -> list[CategoryTrait]:
    """The values over-represented in the segment, ranked by effect (uncorrected p-values)."""
    return over_represented(category_tests(customers, mask), top)


def over_represented(rows: list[CategoryTrait], top: int = 8) -> list[CategoryTrait]:
    return sorted((c for c in rows if c["effect"] > 0), key=lambda c: -c["effect"])[:top]


def add_q_values(rows: list[NumericTrait] | list[CategoryTrait] | list[NumericTrait | CategoryTrait],
                 alpha: float = ALPHA) -> None:
    """Benjamini–Hochberg across ``rows`` (one family of tests): sets ``q_value`` and ``significant``."""
    for row, q in zip(rows, benjamini_hochberg(np.array([r["p_value"] for r in rows]))):
        row["q_value"] = float(q)
        row["significant"] = bool(q < alpha)

