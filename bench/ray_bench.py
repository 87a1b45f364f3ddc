"""Local engine against Ray, side by side in one run, on synthetic customers (``core.testing.parts``).

For each size both engines segment the same customers (``--algo kmeans --k 8 --seed 1``): Ray from a folder
of Parquet parts, local from the same rows in one Parquet file, each a fresh ``python -m core segment``
process watched every 0.2 s for the driver's resident memory and that of its whole process tree (Ray's
GCS, raylet and workers included), read from /proc. Seconds per stage come from each run's run.json.
Short texts are embedded for real with the default model at the text size (each engine in its own empty
workspace); the larger sizes are numbers and categories only (real CPU embeddings of 1M texts would take
hours on 2 cores). Writes the ``ray`` section of docs/BENCHMARKS.md.

    .venv/bin/python -m bench.ray_bench [--text-sizes 10000] [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from bench.report import write_section
from core.testing.parts import write_parts

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _rss(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _tree(pid: int) -> list[int]:
    kids, found, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(kids.get(p, []))
    return found


def watched(cmd: list[str], timeout: float) -> dict:
    """Run ``cmd``; wall seconds, the driver's and the process tree's peak resident bytes, the return code."""
    peak = {"driver": 0, "tree": 0}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak["driver"] = max(peak["driver"], _rss(proc.pid))
            peak["tree"] = max(peak["tree"], sum(_rss(p) for p in _tree(proc.pid)))
            time.sleep(0.2)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
    done.set()
    thread.join()
    return {"seconds": time.perf_counter() - started, "rc": proc.returncode, "peak_driver": peak["driver"],
            "peak_tree": peak["tree"], "stderr": err[-2000:]}


def run_engine(engine: str, source: Path, out: Path, ws: Path, timeout: float, sample_size: int) -> dict:
    cmd = [sys.executable, "-m", "core", "segment", str(source), "--id-col", "cid", "--algo", "kmeans", "--k", "8",
           "--seed", "1", "--stability-runs", "0", "--out", str(out), "--workspace", str(ws), "--quiet",
           "--engine", engine, "--max-rows", "1000000"]
    cmd += ["--sample-size", str(sample_size)] if engine == "ray" else []
    found = watched(cmd, timeout)
    if found["rc"] == 0:
        run = json.loads((out / "run.json").read_text())
        found["stages"] = {k: v["seconds"] for k, v in run["stages"].items()}
        if engine == "ray":
            found["fit_stages"] = {k: v["seconds"] for k, v in run["fit"]["stages"].items()}
            found["sample"] = run["sample"]["size"]
    return found


def labels(out: Path) -> np.ndarray:
    import pandas as pd

    if (out / "segments").is_dir():
        parts = sorted((out / "segments").glob("part-*.parquet"))
        return pd.concat([pd.read_parquet(p, columns=["segment_id"]) for p in parts])["segment_id"].to_numpy()
    return pd.read_csv(out / "segments.csv", usecols=["segment_id"])["segment_id"].to_numpy()


def one_size(n: int, text: bool, root: Path, timeout: float, sample_size: int, local_max: int) -> dict:
    data = root / f"{n}-{'text' if text else 'numbers'}"
    frame = write_parts(data / "parts", n, n_parts=max(4, n // 62_500), seed=0, text=text)
    frame.to_parquet(data / "all.parquet", index=False)
    del frame
    row: dict = {"n": n, "text": text}
    for engine, source in (("local", data / "all.parquet"), ("ray", data / "parts")):
        if engine == "local" and n > local_max:
            row[engine] = {"rc": None, "seconds": 0.0}
            continue
        row[engine] = run_engine(engine, source, data / f"out-{engine}", data / f"ws-{engine}", timeout, sample_size)
        print(n, text, engine, {k: v for k, v in row[engine].items() if k != "stderr"}, flush=True)
    if row["local"]["rc"] == 0 and row["ray"]["rc"] == 0:
        row["ari"] = float(adjusted_rand_score(labels(data / "out-local"), labels(data / "out-ray")))
        row["identical"] = bool(np.array_equal(labels(data / "out-local"), labels(data / "out-ray")))
        print(n, text, "ari", row["ari"], "identical", row["identical"], flush=True)
    shutil.rmtree(data, ignore_errors=True)
    return row


def _gib(b: int) -> str:
    return f"{b / 2**30:.2f}"


def report(rows: list[dict]) -> str:
    lines = ["| customers | texts | engine | wall s | rows/s | driver peak GiB | tree peak GiB | stages (s) | "
             "fitted on | ARI vs local |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        for engine in ("local", "ray"):
            r = row[engine]
            if r["rc"] is None:
                lines.append(f"| {row['n']:,} | {'real' if row['text'] else 'none'} | {engine} | not run (see "
                             "below) | | | | | | |")
                continue
            if r["rc"] != 0:
                lines.append(f"| {row['n']:,} | {'real' if row['text'] else 'none'} | {engine} | did not finish "
                             f"(rc {r['rc']}, {r['seconds']:.0f} s) | | | | | | |")
                continue
            stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
            ari = (f"{row['ari']:.3f}" + (" (identical)" if row.get("identical") else "")) if engine == "ray" \
                and "ari" in row else ""
            lines.append(f"| {row['n']:,} | {'real' if row['text'] else 'none'} | {engine} | {r['seconds']:.1f} | "
                         f"{row['n'] / r['seconds']:,.0f} | {_gib(r['peak_driver'])} | {_gib(r['peak_tree'])} | "
                         f"{stages} | {r.get('sample', row['n']):,} | {ari} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--timeout", type=float, default=1500)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--sample-size", type=int, default=200_000, help="Ray's fitting sample (--sample-size)")
    parser.add_argument("--local-max", type=int, default=1_000_000, help="run the local engine up to this size")
    parser.add_argument("--previous", type=Path, help="rows of an earlier run (its --json) to report first")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ray-bench-"))
    rows = json.loads(args.previous.read_text()) if args.previous else []
    rows += [one_size(n, True, root, args.timeout, args.sample_size, args.local_max) for n in args.text_sizes]
    rows += [one_size(n, False, root, args.timeout, args.sample_size, args.local_max) for n in args.sizes]
    shutil.rmtree(root, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    body = (f"Command: `.venv/bin/python -m bench.ray_bench --text-sizes {' '.join(map(str, args.text_sizes))} "
            f"--sizes {' '.join(map(str, args.sizes))}`. Synthetic customers from `core.testing.parts` (8 planted "
            "groups; a 5-word note, age, spend, plan), KMeans k=8, seed 1, no stability runs. Each engine is a fresh "
            "`python -m core segment` process; Ray starts a local cluster on this machine (2 CPUs: two actors of "
            "0.75 CPU, one thread each, reads at 0.25 CPU beside them) and stops it at the end, so its wall time "
            "includes Ray's start-up. `texts real`: short notes embedded with the default model, each engine in "
            "its own empty workspace; `none`: numbers and categories only. Ray fits on the customers in `fitted on` "
            "(every row when they fit `--sample-size`, else a seeded sample of that size) and assigns everyone with "
            "the saved model; local fits on all. "
            "Peaks: resident memory of the driver process and of its whole process tree (Ray's GCS, raylet and "
            "workers), sampled every 0.2 s from /proc."
            + (f" The first {len(rows) - len(args.text_sizes) - len(args.sizes)} sizes are an earlier run's "
               f"(`--previous {args.previous.name}`), on the same machine, possibly under another load."
               if args.previous else "") + "\n\n" + report(rows))
    write_section("ray", "Local engine against Ray (`--engine ray`)", body)


if __name__ == "__main__":
    main()
