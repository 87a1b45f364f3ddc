"""What explaining the segments costs on the clothing reviews demo: profiles, quality, stability, sweep.

Runs the real pipeline once (embeddings and UMAP come from the workspace cache after the first
time), then times each part of the profile stage and the sweeps on the same clustering space,
best of three. Usage: ``python -m bench.bench_profile [--workspace DIR]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.report import write_section
from core.explain.profile import profile_segments
from core.ingest.demo import DEMO_PATH, DEMO_TEXT_COLUMN
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.segment.cluster import ClusterParams, cluster
from core.segment.quality import segmentation_quality, stability, sweep


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, default=Path("workspace"))
    args = parser.parse_args()
    params = SegmentParams(text_cols=(DEMO_TEXT_COLUMN,))
    result = run_segmentation(load_table(DEMO_PATH), params, args.workspace)
    space, labels = result.cluster_space, result.clustering.labels
    rows = [
        ("profiles (words, phrases, tests, names, representatives)",
         best_of(3, lambda: profile_segments(result.customers, labels, space))),
        ("quality (silhouette, Davies–Bouldin, Calinski–Harabasz, DBCV)",
         best_of(3, lambda: segmentation_quality(space, labels))),
        ("stability (5 subsamples re-clustered)", best_of(3, lambda: stability(space, labels, params.cluster))),
        ("sweep, HDBSCAN minimum size (12 settings)", best_of(1, lambda: sweep(space, params.cluster))),
        ("sweep, KMeans k = 2–15", best_of(1, lambda: sweep(space, ClusterParams(algo="kmeans")))),
        ("for scale: clustering once (HDBSCAN)", best_of(3, lambda: cluster(space, params.cluster))),
    ]
    q = result.quality
    body = (
        f"Demo: {len(labels):,} reviews, default settings (HDBSCAN, minimum size 30): {q['n_segments']} segments, "
        f"{q['outlier_share']:.1%} unassigned, silhouette {q['silhouette']:.3f}, DBCV {q['dbcv']:.3f}, "
        f"stability ARI {q['stability']['ari_mean']:.3f}.\n\n"
        "| part | seconds (best of 3; sweeps once) |\n| --- | --- |\n"
        + "".join(f"| {name} | {seconds:.2f} |\n" for name, seconds in rows)
        + "\nThe pipeline runs the first three in its profile stage; the sweeps run only on request "
        "(`python -m core sweep`). Script: `bench/bench_profile.py`."
    )
    write_section("profile", "Explaining segments: profiles, quality, stability, sweep", body)
    print(body)


if __name__ == "__main__":
    main()
