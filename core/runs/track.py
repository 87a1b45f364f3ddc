"""Match the segments of two independent runs, so B's segments can carry A's ids.

Where the runs share customers (by id), a pair's similarity is the Jaccard index of their members among
the shared customers; else, when both runs describe customers in the same feature space (B refreshed
from A, or the same saved spec), it is the cosine similarity of the segments' centres in A's feature
space. Segments are paired one-to-one by the Hungarian method (``scipy.optimize.linear_sum_assignment``)
on that similarity; a pair is *matched* when its similarity reaches :data:`MIN_QUALITY` of its method,
and B's other segments get new ids after A's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.errors import ParameterError
from core.explain.profile import UNASSIGNED, segment_names
from core.runs.assign import MODEL_DIR, load_model
from core.runs.refresh import previous_segments

MIN_QUALITY = {"customers": 0.2, "centroids": 0.5}  # below: the best pairing is still no match
MIN_SHARED = 0.1  # share of the smaller run's customers that makes matching by customers trustworthy


def _names(folder: Path) -> dict[int, str]:
    return segment_names(json.loads((folder / "profiles.json").read_text(encoding="utf-8")))


def _jaccard(a: pd.DataFrame, b: pd.DataFrame, ids_a: list[int], ids_b: list[int]) -> tuple[np.ndarray, int]:
    shared = a.merge(b, on="id", suffixes=("_a", "_b"))
    counts = pd.crosstab(shared["segment_id_a"], shared["segment_id_b"]).reindex(index=ids_a, columns=ids_b,
                                                                                   fill_value=0).to_numpy()
    union = counts.sum(axis=1, keepdims=True) + counts.sum(axis=0, keepdims=True) - counts
    return counts / np.maximum(union, 1), len(shared)


def _centroid_cosines(folder_a: Path, folder_b: Path, ids_a: list[int], ids_b: list[int]) -> np.ndarray:
    model_a, model_b = load_model(folder_a / MODEL_DIR), load_model(folder_b / MODEL_DIR)
    if (model_a.spec.to_dict(), model_a.embedding_model) != (model_b.spec.to_dict(), model_b.embedding_model):
        raise ParameterError(
            "These runs share no customers and describe customers differently, so their segments cannot be "
            "matched; refresh the first run on the second run's table instead."
        )

    def centres(model: Any, ids: list[int]) -> np.ndarray:
        rows = np.stack([model.features[model.labels == s].mean(axis=0) for s in ids])
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)

    return centres(model_a, ids_a) @ centres(model_b, ids_b).T


def track_runs(folder_a: Path, folder_b: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """(``track.json``'s content, B's segments.csv frame with A's ids) for two run folders."""
    from scipy.optimize import linear_sum_assignment

    seg_a, seg_b = previous_segments(Path(folder_a)), previous_segments(Path(folder_b))
    names_a, names_b = _names(Path(folder_a)), _names(Path(folder_b))
    ids_a = sorted(int(s) for s in seg_a["segment_id"].unique() if s >= 0)
    ids_b = sorted(int(s) for s in seg_b["segment_id"].unique() if s >= 0)
    if not ids_a or not ids_b:
        raise ParameterError("One of the runs has no segment (every customer is unassigned): nothing to match.")
    similarity, shared = _jaccard(seg_a, seg_b, ids_a, ids_b)
    method = "customers"
    if shared < MIN_SHARED * min(len(seg_a), len(seg_b)):
        similarity, method = _centroid_cosines(Path(folder_a), Path(folder_b), ids_a, ids_b), "centroids"
    rows, cols = linear_sum_assignment(-similarity)
    sizes_a, sizes_b = seg_a["segment_id"].value_counts(), seg_b["segment_id"].value_counts()
    relabel: dict[int, int] = {-1: -1}
    matches = []
    for i, j in zip(rows, cols, strict=True):
        quality = float(similarity[i, j])
        if quality >= MIN_QUALITY[method]:
            relabel[ids_b[j]] = ids_a[i]
            matches.append({"b": ids_b[j], "b_name": names_b.get(ids_b[j], ""), "a": ids_a[i],
                            "a_name": names_a.get(ids_a[i], ""), "quality": quality,
                            "b_size": int(sizes_b.get(ids_b[j], 0)), "a_size": int(sizes_a.get(ids_a[i], 0))})
    unmatched_b = [s for s in ids_b if s not in relabel]
    next_id = max(ids_a) + 1
    for offset, s in enumerate(unmatched_b):
        relabel[s] = next_id + offset
    report = {"method": method, "quality_measure": "jaccard" if method == "customers" else "cosine",
              "min_quality": MIN_QUALITY[method], "customers_shared": shared, "run_a": str(folder_a),
              "run_b": str(folder_b), "matches": sorted(matches, key=lambda m: m["a"]),
              "unmatched_a": [s for s in ids_a if s not in {m["a"] for m in matches}],
              "unmatched_b": [{"b": s, "b_name": names_b.get(s, ""), "new_id": relabel[s]} for s in unmatched_b]}
    new_names = {relabel[m["b"]]: m["a_name"] for m in matches}
    new_names.update({relabel[s]: names_b.get(s, "") for s in unmatched_b})
    frame = _segments_table(Path(folder_b))
    frame["segment_id"] = frame["segment_id"].astype(int).map(relabel)
    frame["segment_name"] = frame["segment_id"].map(new_names).fillna(UNASSIGNED)
    return report, frame


def _segments_table(folder: Path) -> pd.DataFrame:
    """A run's whole segments table (a saved run's Parquet or an output folder's CSV)."""
    if (folder / "segments.parquet").exists():
        return pd.read_parquet(folder / "segments.parquet")
    frame = pd.read_csv(folder / "segments.csv", dtype={"id": str}, keep_default_na=False, encoding="utf-8-sig")
    return frame.assign(id=frame["id"].str.removeprefix("'"))
