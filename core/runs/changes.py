"""What changed between two periods of a segmentation, as plain data for ``changes.json``.

* ``sizes``: per segment, its customers before and after, the change, both shares and whether the
  share moved significantly (two-proportion test, Fisher's exact test when a cell is small, with
  Benjamini–Hochberg q-values across the segments);
* ``migration``: ``{"from", "to", "customers"}`` for the customers present in both periods (matched
  by id; -1 = unassigned), those who stayed included;
* ``gone`` / ``joined``: customers absent now / new now, counted per segment, with a few ids;
* ``drift``: per segment present in both periods, the traits whose distribution moved most between
  its members then and now, with effect sizes (the profile's machinery: standardised difference of
  means with a Mann–Whitney p-value for numbers, Cohen's h with a two-proportion test for category
  values). The earlier members are read back from the assignment model's feature matrix (numbers
  un-scaled, one-hot categories decoded), so a ``segment --out`` folder, which keeps no table, drifts
  too; numbers clipped at ±5 spreads by the features stay clipped, and texts are not compared.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from core.explain.profile import (
    UNASSIGNED,
    Profile,
    add_q_values,
    benjamini_hochberg,
    category_tests,
    numeric_traits,
    proportion_p,
)
from core.represent.features import Customers, FeatureSpec

ALPHA = 0.05
GONE_SAMPLE = 20  # ids of customers gone (or joined) listed as examples; the counts are complete
DRIFT_TRAITS = 5  # traits listed per segment
MIN_DRIFT_MEMBERS = 5  # a segment needs this many members in each period for its drift to be measured


def size_changes(before: pd.Series, after: pd.Series, names: dict[int, str]) -> list[dict[str, Any]]:
    """Per segment (unassigned last): before, after, change, shares and the share change's significance."""
    n_before, n_after = len(before), len(after)
    counts_before, counts_after = before.value_counts(), after.value_counts()
    ids = sorted(set(counts_before.index.tolist()) | set(counts_after.index.tolist()), key=lambda s: (s < 0, s))
    rows: list[dict[str, Any]] = []
    for s in ids:
        b, a = int(counts_before.get(s, 0)), int(counts_after.get(s, 0))
        rows.append({"segment_id": int(s), "name": names.get(int(s), UNASSIGNED), "before": b, "after": a,
                     "change": a - b, "share_before": b / max(n_before, 1), "share_after": a / max(n_after, 1),
                     "p_value": proportion_p(a, n_after, b, n_before)})
    for row, q in zip(rows, benjamini_hochberg(np.array([r["p_value"] for r in rows])), strict=True):
        row["share_change"] = row["share_after"] - row["share_before"]
        row["q_value"] = float(q)
        row["significant"] = bool(q < ALPHA)
    return rows


def migration(before: pd.DataFrame, after: pd.DataFrame) -> list[dict[str, int]]:
    """``{"from", "to", "customers"}`` for customers in both periods (by ``id``), largest flows first."""
    both = before[["id", "segment_id"]].merge(after[["id", "segment_id"]], on="id", suffixes=("_from", "_to"))
    flows = both.groupby(["segment_id_from", "segment_id_to"]).size().reset_index(name="customers")
    flows = flows.sort_values(["customers", "segment_id_from", "segment_id_to"], ascending=[False, True, True])
    return [{"from": int(r.segment_id_from), "to": int(r.segment_id_to), "customers": int(r.customers)}
            for r in flows.itertuples()]


def absent(frame: pd.DataFrame, present: pd.Series) -> dict[str, Any]:
    """Customers of ``frame`` whose id is not in ``present``: their count, per segment, and a few ids."""
    missing = frame[~frame["id"].isin(set(present))]
    per = missing["segment_id"].value_counts().sort_index()
    return {"count": int(len(missing)),
            "by_segment": [{"segment_id": int(s), "customers": int(n)} for s, n in per.items()],
            "sample": sorted(missing["id"].astype(str).tolist())[:GONE_SAMPLE]}


def new_segment_summaries(profiles: list[Profile], new_ids: list[int]) -> list[dict[str, Any]]:
    """Size, name and the strongest traits of each new segment."""
    out = []
    for p in profiles:
        if p["segment_id"] in new_ids:
            out.append({"segment_id": p["segment_id"], "name": p["name"], "size": p["size"], "share": p["share"],
                        "words": [w["term"] for w in p["words"][:5]],
                        "numeric": [{k: n[k] for k in ("column", "mean", "mean_rest", "std_diff")}
                                    for n in p["numeric"][:3]],
                        "categories": [{k: c[k] for k in ("column", "value", "share", "share_rest")}
                                       for c in p["categories"][:3]]})
    return out


def decode_features(matrix: np.ndarray, spec: FeatureSpec, blocks: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """The numbers and categories a feature matrix encodes, back in their own units (numbers clipped at ±5 spreads)."""
    columns: dict[str, Any] = {}
    if "numeric" in blocks:
        start, _ = blocks["numeric"]
        unscale = spec.scales["numeric"] / spec.weights["numeric"] if spec.weights["numeric"] else 0.0
        for i, entry in enumerate(spec.numeric):
            name = f"{entry['column']} (days before latest)" if entry["kind"] == "date" else entry["column"]
            columns[name] = matrix[:, start + i].astype(float) * unscale * entry["spread"] + entry["median"]
    if "categorical" in blocks:
        col = blocks["categorical"][0]
        for entry in spec.categorical:
            levels = list(entry["levels"]) + (["(other)"] if entry["other"] else [])
            onehot = matrix[:, col:col + len(levels)]
            col += len(levels)
            picked = pd.Series(np.array(levels, dtype=object)[onehot.argmax(axis=1)], dtype="string")
            columns[entry["column"]] = picked.where(onehot.max(axis=1) > 0)
    return pd.DataFrame(columns)


def _trait_row(row: dict[str, Any]) -> dict[str, Any]:
    if "value" in row:
        return {"kind": "category", "column": row["column"], "value": row["value"], "before": row["share_rest"],
                "after": row["share"], "effect": row["effect"], "effect_measure": "cohen_h",
                "p_value": row["p_value"], "q_value": row["q_value"], "significant": row["significant"]}
    return {"kind": "numeric", "column": row["column"], "before": row["mean_rest"], "after": row["mean"],
            "effect": row["std_diff"], "effect_measure": "std_diff", "p_value": row["p_value"],
            "q_value": row["q_value"], "significant": row["significant"]}


def segment_drift(before: pd.DataFrame, labels_before: np.ndarray, after: pd.DataFrame, labels_after: np.ndarray,
                  names: dict[int, str], top: int = DRIFT_TRAITS) -> list[dict[str, Any]]:
    """Per segment with members in both periods, the ``top`` traits that moved most (by |effect|).

    ``before``/``after`` hold the same numeric and categorical columns (see :func:`decode_features`);
    q-values are corrected across every test of every segment.
    """
    roles = {c: ("numeric" if pd.api.types.is_numeric_dtype(before[c]) else "categorical") for c in before.columns}
    tested: dict[int, list[dict[str, Any]]] = {}
    for s in sorted(set(labels_before.tolist()) & set(labels_after.tolist())):
        if s < 0:
            continue
        then, now = before[labels_before == s], after[labels_after == s]
        if min(len(then), len(now)) < MIN_DRIFT_MEMBERS:
            continue
        frame = pd.concat([then, now], ignore_index=True)
        frame.insert(0, "id", np.arange(len(frame)).astype(str))
        both = Customers(frame, roles, [""] * len(frame))
        mask = np.arange(len(frame)) >= len(then)
        tested[int(s)] = [dict(r) for r in [*numeric_traits(both, mask), *category_tests(both, mask)]]
    every = [row for rows in tested.values() for row in rows]
    add_q_values(every)  # type: ignore[arg-type]
    out = []
    for s, rows in tested.items():
        ranked = sorted(rows, key=lambda r: -abs(r.get("effect", r.get("std_diff", 0.0))))
        out.append({"segment_id": s, "name": names.get(s, UNASSIGNED),
                    "members_before": int((labels_before == s).sum()), "members_after": int((labels_after == s).sum()),
                    "traits": [_trait_row(r) for r in ranked[:top]]})
    return out
