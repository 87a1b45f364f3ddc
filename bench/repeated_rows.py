"""Local engine against Ray on a table of repeated rows: do both give every customer the same segment and place?

20,000 synthetic customers described by a region, a plan, an age band and a number of orders: a few hundred
distinct descriptions, each shared by many customers, as numbers-and-categories tables often are. Each engine is a
fresh ``python -m core segment`` (KMeans k=6, seed 0, no stability runs) in its own empty workspace, local on one
Parquet file, Ray on the same rows in 4 parts. With ``--against DIR`` (a checkout of another revision) that
revision runs the same two commands, for a before/after. Writes the section ``repeated_rows`` of
docs/BENCHMARKS.md.

    python -m bench.repeated_rows [--rows 20000] [--against DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from bench.report import write_section

HERE = Path(__file__).resolve().parent.parent


def repeated_rows(folder: Path, n: int, seed: int = 3) -> int:
    """Write ``folder/all.parquet`` and ``folder/parts/part-*.parquet`` (4 parts); returns the distinct rows."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "id": [f"c{i:07d}" for i in range(n)],
        "region": rng.choice(["north", "south", "east", "west", "centre"], n),
        "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.6, 0.3, 0.1]),
        "age": (rng.integers(18, 80, n) // 10) * 10,
        "orders": rng.poisson(3, n).clip(0, 8),
    })
    (folder / "parts").mkdir(parents=True)
    frame.to_parquet(folder / "all.parquet", index=False)
    for i, rows in enumerate(np.array_split(np.arange(n), 4)):
        frame.iloc[rows].to_parquet(folder / "parts" / f"part-{i}.parquet", index=False)
    return len(frame.drop(columns="id").drop_duplicates())


def segment(tree: Path, source: Path, out: Path, engine: str) -> tuple[pd.DataFrame, float]:
    """One ``python -m core segment`` of ``tree``'s code; its segments by id and its wall time."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "core", "segment", str(source), "--id-col", "id", "--algo", "kmeans",
                    "--k", "6", "--seed", "0", "--stability-runs", "0", "--quiet", "--engine", engine,
                    "--workspace", str(out.parent / f"ws-{out.name}"), "--out", str(out)],
                   cwd=tree, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    if (out / "segments").is_dir():
        frame = pd.concat([pd.read_parquet(p) for p in sorted((out / "segments").glob("part-*.parquet"))])
    else:
        frame = pd.read_csv(out / "segments.csv")
    return frame.set_index(frame["id"].astype(str)).sort_index(), seconds


def compare(tree: Path, data: Path, label: str) -> str:
    """Local and Ray on ``tree``'s code: a table row."""
    local, local_s = segment(tree, data / "all.parquet", data / f"{label}-local", "local")
    ray, ray_s = segment(tree, data / "parts", data / f"{label}-ray", "ray")
    same = int((local["segment_id"] == ray["segment_id"]).sum())
    ari = adjusted_rand_score(local["segment_id"], ray["segment_id"])
    moved = float(np.abs(local[["x", "y"]].to_numpy() - ray[["x", "y"]].to_numpy()).max())
    rev = subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h"], capture_output=True, text=True)
    row = (f"| {label} (`{rev.stdout.strip()}`) | {same:,} of {len(local):,} | {ari:.3f} | {moved:.4f} | "
           f"{local_s:.0f} | {ray_s:.0f} |")
    print(row, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--against", type=Path, help="a checkout of another revision to run the same way")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="repeated-rows-") as tmp:
        data = Path(tmp)
        distinct = repeated_rows(data, args.rows)
        rows = [compare(HERE, data, "this")]
        if args.against:
            rows.append(compare(args.against.resolve(), data, "other"))
    body = "\n".join([
        f"Command: `python -m bench.repeated_rows --rows {args.rows}"
        + (f" --against {args.against}`" if args.against else "`")
        + f". {args.rows:,} synthetic customers with {distinct:,} distinct descriptions (region, plan, age band, "
        "orders), KMeans k=6, seed 0; local on one Parquet file, Ray on the same rows in 4 parts, each a fresh "
        "process in its own empty workspace. *other* is the revision given to `--against`.", "",
        "| code | same segment, local vs Ray | ARI | largest map difference | local s | Ray s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |", *rows, "",
        "Repeated rows give UMAP's graph Laplacian repeated eigenvalues; ARPACK's restarts then draw from one "
        "generator per process, so a UMAP's layout depended on what else had run in its process, and the local "
        "CLI and Ray's driver could lay the same rows out differently. The spectral start now uses LOBPCG from the "
        "UMAP's seeded start (`core.segment.umap_setup`).",
    ])
    write_section("repeated_rows", "Repeated rows: local against Ray", body)


if __name__ == "__main__":
    main()
