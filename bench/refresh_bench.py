"""Refresh on the 23,486 clothing reviews split into two periods (first half, second half), real model.

Segments the first half (default parameters), then refreshes it on the second half twice: the first
refresh embeds the second half's texts, the second finds them in the embedding cache, which is what
an analyst re-running a refresh (or refreshing after the texts were seen once) waits for.

Run: ``python -m bench.refresh_bench`` (writes its section of docs/BENCHMARKS.md).
"""

from __future__ import annotations

import os
import shutil
import time

from bench.common import WORK, reviews
from bench.report import write_section
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.assign import MODEL_DIR, assignment_model, save_model
from core.runs.export import write_outputs
from core.runs.refresh import refresh_table, write_refresh


def main() -> None:
    work = WORK / "refresh"
    shutil.rmtree(work / "out", ignore_errors=True)
    (work / "out").mkdir(parents=True, exist_ok=True)
    frame = reviews()
    half = len(frame) // 2
    paths = {name: work / f"{name}.csv" for name in ("first", "second")}
    frame.iloc[:half].to_csv(paths["first"], index=False)
    frame.iloc[half:].to_csv(paths["second"], index=False)
    workspace = work / "ws"

    started = time.perf_counter()
    result = run_segmentation(load_table(paths["first"]), SegmentParams(), workspace)
    first = work / "out" / "first"
    save_model(assignment_model(result), first / MODEL_DIR)
    write_outputs(result.segments_frame(), result.profiles, result.run_info, first)
    segment_seconds = time.perf_counter() - started
    rows = []
    for attempt in ("first refresh (embeds the second half)", "refresh again (embeddings cached)"):
        started = time.perf_counter()
        refresh = refresh_table(load_table(paths["second"]), first, workspace)
        write_refresh(refresh, work / "out" / "second")
        rows.append((attempt, time.perf_counter() - started, refresh))
    changes = rows[-1][2].changes
    body = [
        f"Segment the first half ({result.run_info['input']['customers']:,} customers, default parameters, "
        f"embedder {result.run_info['embedding']['model']}): {segment_seconds:.1f} s "
        f"({result.run_info['embedding']['embedded']:,} texts embedded, the rest from the cache).",
        "",
        "| step | seconds |",
        "|---|---|",
        *[f"| {name} | {seconds:.1f} |" for name, seconds, _ in rows],
        "",
        f"Refreshing again takes {rows[1][1] / rows[0][1]:.1%} of the first refresh's time "
        f"({rows[0][1] / rows[1][1]:.0f}× faster): only the second half's texts were new, and they were embedded "
        f"once. Load average {os.getloadavg()[0]:.1f} at the end (on a busy machine the seconds are long; the ratio "
        "is what the cache buys).",
        "",
        f"The second half: {changes['run']['customers_after']:,} customers, "
        f"{changes['run']['rule']['misfits']:,} fit no known segment, {len(changes['new_segments'])} new segment(s), "
        f"{sum(s['after'] for s in changes['sizes'] if s['segment_id'] < 0):,} unassigned; "
        f"{sum(1 for s in changes['sizes'] if s['significant'] and s['segment_id'] >= 0)} of "
        f"{sum(1 for s in changes['sizes'] if s['segment_id'] >= 0)} segment shares changed significantly "
        "(the halves are the file's order, not two real periods, so little should change).",
        "",
        "Command: `python -m bench.refresh_bench`.",
    ]
    write_section("refresh", "Refresh on the next period (23k reviews in two halves)", "\n".join(body))
    print("\n".join(body))


if __name__ == "__main__":
    main()
