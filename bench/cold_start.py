"""Time from starting the app (a cold `streamlit run`) to the first map of the demo, in a real browser.

Demo data (3,000 reviews), the real model, default parameters, an empty workspace (nothing cached). The app
starts as `./run_app.sh` starts it (`-- --demo`: the session opens on the demo); the browser goes from the Start
page straight to the Map page and presses Run, with no pause a reader would make.
Writes the section `cold_start` of docs/BENCHMARKS.md and, with --screenshots, a PNG of each page.

    python bench/cold_start.py [--screenshots docs/screenshots] [--cold-numba]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import write_section
from tests.e2e.harness import (
    app_server,
    box_select,
    browser_page,
    map_points,
    open_page,
    run_segmentation,
    screenshot,
    wait_idle,
)

AIM_SECONDS = 30  # issue 23


def take_screenshots(page, folder: Path) -> None:  # page: a playwright Page
    """A PNG of each page of the session that just ran the demo."""
    screenshot(page, folder / "map.png", full_page=True)
    box_select(page, 0.02, 0.02, 0.45, 0.98)
    page.wait_for_selector('h3:has-text("Selection:")', timeout=120_000)
    wait_idle(page)
    screenshot(page, folder / "selection.png", full_page=True)
    for title, full in (("Segments", True), ("Export", True), ("Runs", True), ("Data", True)):
        open_page(page, title)
        screenshot(page, folder / f"{title.lower()}.png", full_page=full)
    open_page(page, "Start", heading="Segment Studio")
    screenshot(page, folder / "start.png", full_page=True)


def measure(cold_numba: bool, after: Callable[[dict, object], None], reading: float = 0.0) -> None:
    """Run the demo cold and call ``after(result, page)`` while the app and browser are still up; ``reading``:
    seconds spent on the Start page before going to the Map page, as a reader would."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"SEGMENT_STUDIO_EMBEDDER": "auto"}
        if cold_numba:
            env["NUMBA_CACHE_DIR"] = str(Path(tmp) / "numba")
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        marks: dict[str, float] = {}
        with app_server(Path(tmp) / "ws", env=env, timeout=300, app_args=("--demo",)) as url:
            marks["server answers /_stcore/health"] = time.perf_counter() - t0
            with browser_page() as page:
                page.goto(url)
                wait_idle(page)
                marks["Start page shown (demo loaded)"] = time.perf_counter() - t0
                if reading:
                    page.wait_for_timeout(reading * 1000)
                open_page(page, "Map", timeout=120)
                marks["Map page with the form"] = time.perf_counter() - t0
                marks["Run pressed"] = time.perf_counter() - t0
                run_segmentation(page, timeout=900)
                marks["first map drawn"] = time.perf_counter() - t0
                points = map_points(page)
                run_id = page.url.split("run=")[-1].split("&")[0]
                run_info = json.loads((Path(tmp) / "ws" / "runs" / run_id / "run.json").read_text())
                after({"marks": marks, "points": points, "run_info": run_info, "load": load_before,
                       "reading": reading}, page)


def report(result: dict, cold_numba: bool) -> str:
    marks, info = result["marks"], result["run_info"]
    total = marks["first map drawn"]
    in_stages = sum(rec["seconds"] for rec in info["stages"].values())
    outside = marks["first map drawn"] - marks["Run pressed"] - in_stages
    lines = [
        f"Demo (3,000 reviews), real model ({info['embedding']['model']}), default parameters "
        f"({info['parameters']['cluster']['algo']}), empty workspace, "
        f"{'empty' if cold_numba else 'existing'} numba cache. Driven in headless Chromium by `bench/cold_start.py`"
        + (f", {result['reading']:.0f} s on the Start page before the Map page." if result["reading"] else
           ", the Map page opened and Run pressed as soon as the Start page is drawn."),
        "",
        f"**Start of `streamlit run` → first map: {total:,.1f} s** (aim: under {AIM_SECONDS} s; "
        f"{'met' if total < AIM_SECONDS else 'not met'}). {result['points']:,} points drawn, "
        f"{info['quality']['n_segments']} segments.",
        "",
        "| moment | seconds since start |", "| --- | ---: |",
        *[f"| {name} | {seconds:,.1f} |" for name, seconds in marks.items()],
        "", "Where the run's time went (the pipeline's own stage timers, run.json):", "",
        "| stage | seconds |", "| --- | ---: |",
        *[f"| {name} | {rec['seconds']:,.1f} |" for name, rec in info["stages"].items()],
        f"| outside the stages: waiting for the warm-up (model load, UMAP compilation), saving, drawing | "
        f"{outside:,.1f} |",
        "",
        f"The machine's 1-minute load average was {result['load']:.1f} on {os.cpu_count()} cores when the "
        "measurement started" + (", so CPU-bound stages (embedding above all) ran slower than on an idle machine."
                                 if result["load"] >= 0.5 else ": it was otherwise idle."),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", type=Path, help="folder for a PNG of each page")
    parser.add_argument("--cold-numba", action="store_true", help="use an empty numba cache (UMAP compiles anew)")
    parser.add_argument("--reading", type=float, default=0.0,
                        help="seconds on the Start page before going to the Map page (default: none)")
    args = parser.parse_args()

    def after(result: dict, page: object) -> None:
        body = report(result, args.cold_numba)
        print(body, flush=True)
        write_section("cold_start", "Cold start: `streamlit run` to the first map of the demo", body)
        if args.screenshots:
            take_screenshots(page, args.screenshots)

    measure(args.cold_numba, after, args.reading)


if __name__ == "__main__":
    main()
