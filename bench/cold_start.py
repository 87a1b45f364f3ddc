"""Time from starting the app (a cold `streamlit run`) to the first map of the demo, in a real browser.

Demo data (3,000 reviews), the real model, default parameters, an empty workspace (nothing cached). The app
starts as `./run_app.sh` starts it (`-- --demo`: the session opens on the demo); the browser goes from the Start
page straight to the Map page and presses Run, with no pause a reader would make.
Writes the section `cold_start` of docs/BENCHMARKS.md and, with --screenshots, a PNG of each page. With
``--against DIR`` (a checkout of another revision, e.g. ``git worktree add /tmp/before main``) it alternates this
tree and DIR, each run in its own process, for ``--rounds`` rounds, and writes both side by side: on a shared
2-core machine one cold run varies by several seconds, so only paired runs compare.

    python bench/cold_start.py [--screenshots docs/screenshots] [--cold-numba] [--against DIR --rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.proc_cpu import server_cpu_seconds
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
                server_cpu = server_cpu_seconds(url)
                points = map_points(page)
                run_id = page.url.split("run=")[-1].split("&")[0]
                run_info = json.loads((Path(tmp) / "ws" / "runs" / run_id / "run.json").read_text())
                after({"marks": marks, "points": points, "run_info": run_info, "load": load_before,
                       "reading": reading, "server_cpu": server_cpu}, page)


def report(result: dict, cold_numba: bool) -> str:
    marks, info = result["marks"], result["run_info"]
    total = marks["first map drawn"]
    in_stages = sum(rec["seconds"] for rec in info["stages"].values() if not rec.get("beside"))
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
        *[f"| {name}{' (beside ' + rec['beside'] + ')' if rec.get('beside') else ''} | {rec['seconds']:,.1f} |"
          for name, rec in info["stages"].items()],
        f"| outside the stages: waiting for the warm-up (model load, UMAP compilation), saving, drawing | "
        f"{outside:,.1f} |",
        "",
        f"The machine's 1-minute load average was {result['load']:.1f} on {os.cpu_count()} cores when the "
        "measurement started" + (", so CPU-bound stages (embedding above all) ran slower than on an idle machine."
                                 if result["load"] >= 0.5 else ": it was otherwise idle."),
    ]
    return "\n".join(lines)


#: one cold run of the tree at argv[1] (a revision whose bench/cold_start.py has ``measure``), printed as JSON;
#: argv[4] is this tree's bench/proc_cpu.py, for revisions whose measure does not report the server's CPU
_CHILD = """
import json, runpy, sys
sys.path.insert(0, sys.argv[1])
from bench import cold_start
cpu = runpy.run_path(sys.argv[4])["server_cpu_seconds"]
def after(result, page):
    result.setdefault("server_cpu", cpu(page.url))
    print("RESULT " + json.dumps(result), flush=True)
cold_start.measure(sys.argv[2] == "cold", after, float(sys.argv[3]))
"""


def paired(other: Path, rounds: int, cold_numba: bool, reading: float) -> list[tuple[str, dict]]:
    """``rounds`` × (this tree, ``other``), alternating, each cold run in a fresh process."""
    here = Path(__file__).resolve().parent.parent
    results = []
    for _ in range(rounds):
        for label, root in (("this", here), ("other", other.resolve())):
            done = subprocess.run([sys.executable, "-c", _CHILD, str(root), "cold" if cold_numba else "warm",
                                   str(reading), str(here / "bench" / "proc_cpu.py")],
                                  capture_output=True, text=True, check=True)
            line = next(row for row in done.stdout.splitlines() if row.startswith("RESULT "))
            results.append((label, json.loads(line[len("RESULT "):])))
            print(label, round(results[-1][1]["marks"]["first map drawn"], 1), flush=True)
    return results


def side_by_side(results: list[tuple[str, dict]], other: Path) -> str:
    """The paired runs as a table, and each side's median."""
    def rev(root: Path) -> str:
        found = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h %s"], capture_output=True,
                               text=True)
        line = found.stdout.strip()
        return line if len(line) <= 72 else line[:72].rsplit(" ", 1)[0] + " …"

    here = Path(__file__).resolve().parent.parent
    lines = [
        f"Side by side: *this* is `{rev(here)}`, *other* is `{rev(other)}`; alternating, each run `--cold-numba` "
        "in its own process as above, the 1-minute load average at its start:", "",
        "| run | side | load | Run pressed | first map | app server CPU-s | embed | reduce | map | profile |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, (label, r) in enumerate(results, 1):
        stages = r["run_info"]["stages"]
        cpu = r.get("server_cpu")
        lines.append(f"| {i} | {label} | {r['load']:.1f} | {r['marks']['Run pressed']:.1f} | "
                     f"{r['marks']['first map drawn']:.1f} | {'—' if cpu is None else f'{cpu:.1f}'} | "
                     + " | ".join(f"{stages[s]['seconds']:.1f}" if s in stages else "—"
                                  for s in ("embed", "reduce", "map", "profile")) + " |")
    for label in ("this", "other"):
        mine = [r for side, r in results if side == label]
        firsts = [r["marks"]["first map drawn"] for r in mine]
        cpus = [r["server_cpu"] for r in mine if r.get("server_cpu") is not None]
        lines.append(f"\n**{label}**: first map median {statistics.median(firsts):.1f} s (best {min(firsts):.1f}, "
                     f"worst {max(firsts):.1f})" + (f"; app server CPU median {statistics.median(cpus):.1f} s"
                                                    if cpus else "") + ".")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", type=Path, help="folder for a PNG of each page")
    parser.add_argument("--cold-numba", action="store_true", help="use an empty numba cache (UMAP compiles anew)")
    parser.add_argument("--reading", type=float, default=0.0,
                        help="seconds on the Start page before going to the Map page (default: none)")
    parser.add_argument("--against", type=Path, help="a checkout of another revision to run side by side")
    parser.add_argument("--rounds", type=int, default=3, help="with --against: rounds of one run each (default 3)")
    args = parser.parse_args()
    if args.against:
        results = paired(args.against, args.rounds, args.cold_numba, args.reading)
        body = report(results[0][1], args.cold_numba) + "\n\n" + side_by_side(results, args.against)
        print(body, flush=True)
        write_section("cold_start", "Cold start: `streamlit run` to the first map of the demo", body)
        return

    def after(result: dict, page: object) -> None:
        body = report(result, args.cold_numba)
        print(body, flush=True)
        write_section("cold_start", "Cold start: `streamlit run` to the first map of the demo", body)
        if args.screenshots:
            take_screenshots(page, args.screenshots)

    measure(args.cold_numba, after, args.reading)


if __name__ == "__main__":
    main()
