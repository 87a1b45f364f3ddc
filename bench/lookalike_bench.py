"""Explanations and lookalikes: planted traits in the reasons, lookalike scorings side by side, time to score 23k.

1. **Planted groups** (``core.testing.planted``, fake embedder, KMeans k = 3): of 20 customers per group, how many
   have a planted trait among their top three reasons (and first); for each scoring, the share of a 150-customer
   audience from 30 seeds of one group that is that group (5 seed draws per group), and for seeds from two groups
   (15 + 15) the share from those groups and the balance between them.
2. **The demo** (3,000 reviews, the real model, the app's default HDBSCAN): for each scoring, 30 seeds of a
   segment against an audience the size of the rest of that segment (share of it in the segment); 15 + 15 seeds
   from the two largest segments; and an attribute the segmentation never saw: the demo segmented again with
   ``Class Name`` ignored, 30 seeds of a class, a 300-customer audience, the share of that class (its base rate
   beside it).
3. **Time to score 23k** once the run is open: the 23,486 reviews segmented with the fake embedder (a saved run,
   opened as ``lookalike`` opens it), and the same scoring on the demo's real-model feature rows resampled to
   23,486 (the real model's width); median of 5, scorings interleaved; 300 seeds, a 5,000 audience and its curve.

    python -m bench.lookalike_bench [--skip-demo] [--skip-23k]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import DEMO, REVIEWS, TEXT_COL, WORK
from bench.report import write_section
from core.explain.explanations import SegmentedCustomers, explain_rows
from core.explain.lookalike import (
    METHODS,
    LookalikeParams,
    audience_rows,
    eligible_rows,
    lookalike_scores,
    size_curve,
)
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.opened import open_run
from core.runs.store import save_run
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams
from core.testing import fake_embedder  # noqa: F401  (registers "fake", the embedder of its planted groups)
from core.testing.planted import PLANTED_TRAITS, planted_groups

HERE = WORK / "lookalike"
DRAWS = 5


def _purity(features: np.ndarray, labels: np.ndarray, truth: np.ndarray, seeds: np.ndarray, size: int,
            method: str, wanted: list[int]) -> tuple[float, float]:
    """(share of the audience in ``wanted``, smallest over largest share among ``wanted``)."""
    scores = lookalike_scores(features, seeds, LookalikeParams(method=method))
    rows = audience_rows(scores, eligible_rows(len(scores), seeds, labels), size=size)
    shares = [float((truth[rows] == w).mean()) for w in wanted]
    return sum(shares), min(shares) / max(max(shares), 1e-9)


def _table(rows: dict[str, list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join([name, *cells]) + " |" for name, cells in rows.items()]
    return "\n".join(lines)


def planted_section() -> str:
    data = planted_groups()
    path = HERE / "planted.csv"
    data.frame.to_csv(path, index=False)
    params = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=3, seed=0),
                           reduce=ReduceParams(n_components=5, n_neighbors=15),
                           map=ReduceParams(n_components=2, n_neighbors=15))
    workspace = HERE / "planted-ws"
    run_id = save_run(run_segmentation(load_table(path), params, workspace), workspace)
    people = open_run(run_id, workspace)
    truth = data.truth
    traits = []
    for group in range(3):
        explained = explain_rows(people, np.flatnonzero(truth == group)[:20])
        top3 = sum(any(r["column"] in PLANTED_TRAITS for r in e["reasons"][:3]) for e in explained)
        first = sum(e["reasons"][0]["column"] in PLANTED_TRAITS for e in explained)
        traits.append(f"group {group}: {top3}/20 in the top three, {first}/20 first")
    rows: dict[str, list[str]] = {}
    for method in METHODS:
        cells = []
        for group in range(3):
            found = [_purity(people.features, people.labels, truth, np.random.default_rng(d).choice(
                np.flatnonzero(truth == group), 30, replace=False), 150, method, [group])[0] for d in range(DRAWS)]
            cells.append(f"{np.mean(found):.1%} (min {min(found):.1%})")
        pairs = [_purity(people.features, people.labels, truth, np.concatenate([
            np.random.default_rng(d).choice(np.flatnonzero(truth == g), 15, replace=False) for g in (0, 2)]),
            150, method, [0, 2]) for d in range(DRAWS)]
        cells.append(f"{np.mean([p[0] for p in pairs]):.1%}, balance {np.mean([p[1] for p in pairs]):.2f}")
        rows[method] = cells
    return f"""
### Planted groups (`core/testing/planted.py`, fake embedder, KMeans k = 3, {len(truth)} customers)

Explanations, 20 customers per group (planted traits: {', '.join(PLANTED_TRAITS)}; four noise columns):
{'; '.join(traits)}.

Lookalikes: share of a 150-customer audience from 30 seeds of one group that is that group (mean of {DRAWS} seed
draws, worst draw in brackets); last column: 15 + 15 seeds from groups 0 and 2, share of the audience from those
two groups and the balance (smaller share / larger share; 1 = even).

{_table(rows, ["scoring", "group 0", "group 1", "group 2", "seeds from groups 0 and 2"])}
"""


def _demo_run(workspace: Path, roles: tuple[tuple[str, str], ...] = ()) -> str:
    params = SegmentParams(text_cols=(TEXT_COL,), roles=roles)
    return save_run(run_segmentation(load_table(DEMO), params, workspace), workspace)


def demo_section() -> tuple[SegmentedCustomers, str]:
    workspace = HERE / "demo-ws"
    run_id = _demo_run(workspace)
    people = open_run(run_id, workspace)
    labels = people.labels
    sizes = pd.Series(labels[labels >= 0]).value_counts()
    big = [int(s) for s in sizes.index if sizes[s] >= 100]
    held_id = _demo_run(workspace, roles=(("Class Name", "ignore"),))
    held = open_run(held_id, workspace)
    table = load_table(DEMO).frame
    id_col = next(c for c, r in held.roles.items() if r == "id")
    classes = pd.Series(held.ids).map(dict(zip(table[id_col], table["Class Name"], strict=True)))
    frequent = classes.value_counts().index[:4].tolist()
    class_codes = classes.map({c: i for i, c in enumerate(frequent)}).fillna(-1).astype(int).to_numpy()
    rows: dict[str, list[str]] = {}
    for method in METHODS:
        segment = [_purity(people.features, labels, labels, np.random.default_rng(d).choice(
            np.flatnonzero(labels == s), 30, replace=False), int(sizes[s]) - 30, method, [s])[0]
            for s in big for d in range(3)]
        a, b = int(sizes.index[0]), int(sizes.index[1])
        pairs = [_purity(people.features, labels, labels, np.concatenate([
            np.random.default_rng(d).choice(np.flatnonzero(labels == s), 15, replace=False) for s in (a, b)]),
            int(sizes[a] + sizes[b]) - 30, method, [a, b]) for d in range(3)]
        hidden = [_purity(held.features, held.labels, class_codes, np.random.default_rng(d).choice(
            np.flatnonzero(class_codes == c), 30, replace=False), 300, method, [c])[0]
            for c in range(len(frequent)) for d in range(3)]
        rows[method] = [f"{np.mean(segment):.1%}", f"{np.mean([p[0] for p in pairs]):.1%}, balance "
                        f"{np.mean([p[1] for p in pairs]):.2f}", f"{np.mean(hidden):.1%}"]
    base = np.mean([(class_codes == c).mean() for c in range(len(frequent))])
    return people, f"""
### The demo (3,000 reviews, the real model, HDBSCAN as the app runs it)

{len(big)} segments with at least 100 members. Share of the audience in the seeds' segment (30 seeds, an audience
the size of the rest of the segment; 3 draws each); 15 + 15 seeds from the two largest segments (audience the size
of the rest of both: share from them, balance); an attribute the segmentation did not use: the demo segmented with
`Class Name` ignored, 30 seeds of one of the {len(frequent)} most frequent classes ({', '.join(frequent)}), a
300-customer audience, the share of that class (base rate {base:.1%}).

{_table(rows, ["scoring", "seeds' segment", "two segments", "held-out class"])}
"""


def _timings(features: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    seeds = np.random.default_rng(0).choice(len(features), 300, replace=False)
    seconds: dict[str, list[float]] = {m: [] for m in METHODS}
    for _ in range(5):
        for method in METHODS:
            start = time.perf_counter()
            scores = lookalike_scores(features, seeds, LookalikeParams(method=method))
            eligible = eligible_rows(len(scores), seeds, labels)
            audience_rows(scores, eligible, size=5000)
            size_curve(scores, eligible)
            seconds[method].append(time.perf_counter() - start)
    return {m: statistics.median(v) for m, v in seconds.items()}


def timing_section(demo: SegmentedCustomers) -> str:
    frame = pd.read_csv(REVIEWS, dtype=str, keep_default_na=False)
    path = HERE / "reviews_23k.csv"
    frame.to_csv(path, index=False)
    workspace = HERE / "reviews-ws"
    params = SegmentParams(embedder="fake", text_cols=(TEXT_COL,), cluster=ClusterParams(algo="kmeans", k=8, seed=0))
    run_id = save_run(run_segmentation(load_table(path), params, workspace), workspace)
    start = time.perf_counter()
    people = open_run(run_id, workspace)
    opened = time.perf_counter() - start
    fake = _timings(people.features, people.labels)
    rows = np.random.default_rng(0).integers(0, len(demo.features), len(people.features))
    real = _timings(demo.features[rows], demo.labels[rows])
    table = {m: [f"{fake[m]:.3f} s", f"{real[m]:.3f} s"] for m in METHODS}
    return f"""
### Time to score 23k customers once the run is open

{len(people.ids):,} reviews; 300 seeds; scores for everyone, a 5,000-customer audience and its curve; median of 5
(scorings interleaved). Opening the saved run (feature matrix, customers, texts) took {opened:.2f} s. First column: the
run made with the fake embedder ({people.features.shape[1]} features); second: the demo's real-model feature rows
resampled to {len(rows):,} ({demo.features.shape[1]} features, the width the real model gives).

{_table(table, ["scoring", f"fake embedder ({people.features.shape[1]} features)",
                f"real-model width ({demo.features.shape[1]} features)"])}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-demo", action="store_true", help="leave out the demo (the real model)")
    parser.add_argument("--skip-23k", action="store_true", help="leave out the 23k timing (it needs the demo too)")
    args = parser.parse_args()
    HERE.mkdir(parents=True, exist_ok=True)
    parts = [planted_section()]
    if not args.skip_demo:
        demo, text = demo_section()
        parts.append(text)
        if not args.skip_23k:
            parts.append(timing_section(demo))
    body = "`python -m bench.lookalike_bench`: " + __doc__.split("\n\n")[0].split(": ", 1)[1] + "\n" + "\n".join(parts)
    write_section("lookalike", "Explanations and lookalikes", body)
    print(body)


if __name__ == "__main__":
    main()
