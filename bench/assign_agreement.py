"""Assignment agreement on the bundled demo (3,000 clothing reviews) with the real model.

Segments the demo twice (KMeans k=6 and HDBSCAN with defaults), saves each run, then

* re-assigns the training customers through ``python -m core assign``'s code path (load the
  file again, describe it with the saved spec, embed it, vote among the nearest training
  customers) and counts how many get their own segment back;
* 5-fold: assigns each fifth of the customers with a model holding only the other four fifths,
  an honest estimate of how new customers are assigned.

Run: ``python -m bench.assign_agreement`` (writes its section of docs/BENCHMARKS.md).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.report import write_section
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.assign import (
    DEFAULT_K,
    agreement,
    assign_table,
    load_model,
    locate_run,
    nearest_vote,
)
from core.runs.store import save_run
from core.segment.cluster import ClusterParams

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo" / "womens_clothing_reviews_3k.csv"
SETTINGS = {
    "KMeans k=6": ClusterParams(algo="kmeans", k=6, seed=1),
    "HDBSCAN (defaults)": ClusterParams(algo="hdbscan", seed=1),
}


def k_fold_agreement(folder: Path, folds: int = 5, seed: int = 0) -> float:
    model = load_model(folder / "model")
    order = np.random.default_rng(seed).permutation(len(model.labels))
    same = 0
    for part in np.array_split(order, folds):
        keep = np.setdiff1d(order, part)
        held_out = replace(model, features=model.features[keep], labels=model.labels[keep], coords=model.coords[keep])
        labels, _, _ = nearest_vote(held_out, model.features[part], DEFAULT_K)
        same += int((labels == model.labels[part]).sum())
    return same / len(model.labels)


def main() -> None:
    workspace = Path(tempfile.mkdtemp(prefix="assign-bench-"))
    rows = []
    for name, cluster in SETTINGS.items():
        params = SegmentParams(text_cols=("Review Text",), embedder="model", cluster=cluster).with_seed(1)
        result = run_segmentation(load_table(DEMO), params, workspace)
        run_id = save_run(result, workspace, run_id=f"bench-{cluster.algo}")
        start = time.perf_counter()
        assignment = assign_table(load_table(DEMO), locate_run(run_id, workspace), workspace)
        seconds = time.perf_counter() - start
        again = agreement(assignment.segments["segment_id"].to_numpy(), result.clustering.labels)
        ids_match = bool((assignment.segments["id"].to_numpy() == result.segments_frame()["id"].to_numpy()).all())
        rows.append((name, len(result.customers), result.quality["n_segments"], again, k_fold_agreement(
            locate_run(run_id, workspace)), seconds, ids_match, result.run_info["embedding"]["model"]))
        print(rows[-1], flush=True)
    body = [
        f"Demo: `{DEMO.name}` (3,000 reviews), text column `Review Text` plus the detected numeric and "
        f"categorical columns, default weights, seed 1. Assignment: distance-weighted vote of the {DEFAULT_K} "
        "nearest training customers in feature space (an identical customer decides alone).",
        "",
        "| run | customers | segments | training customers re-assigned to their own segment "
        "| 5-fold (held-out fifth) | assign seconds | model |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, n, k, again, fold, seconds, ids_match, model in rows:
        assert ids_match, "assigned rows are not in the training order"
        body.append(f"| {name} | {n:,} | {k} | {again:.2%} | {fold:.2%} | {seconds:.1f} | {model} |")
    body += ["", "Re-assigning goes through the same path as `python -m core assign` (reading the CSV again, "
             "describing it with the saved feature spec, embedding through the cache). The 5-fold column is "
             "the honest figure for customers the segmentation has not seen."]
    write_section("assign_agreement", "Assigning customers to a saved segmentation", "\n".join(body))


if __name__ == "__main__":
    main()
