"""``--engine ray`` on a local Ray cluster (2 CPUs, shared by the module) and 3,000 customers in 4 Parquet parts:
every customer back once, the same segments as the local engine, a second run served from the embedding
cache, ``assign --engine ray`` as the local ``assign``, and bad folders refused in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core.distributed.engine import start_ray
from core.distributed.run import assign_on_ray, segment_on_ray
from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.assign import assign_table
from core.runs.store import load_run
from core.segment.cluster import ClusterParams
from core.testing.parts import write_damaged_parts, write_parts
from ui.export import membership

pytestmark = pytest.mark.slow
N = 3000
ROOT = Path(__file__).resolve().parents[2]
PARAMS = SegmentParams(id_col="cid", text_cols=("note",), embedder="fake", stability_runs=0,
                       cluster=ClusterParams(algo="kmeans", k=8)).with_seed(1)


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    import ray

    start_ray(None, num_cpus=2)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(folder of 4 parts, the same customers in one file)."""
    root = tmp_path_factory.mktemp("ray")
    frame = write_parts(root / "parts", N, n_parts=4, seed=5)
    frame.to_parquet(root / "all.parquet", index=False)
    return root / "parts", root / "all.parquet"


@pytest.fixture(scope="module")
def first(cluster: None, parts: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A Ray run over every row (the sample holds them all): (its output folder, its workspace)."""
    root = tmp_path_factory.mktemp("first")
    done = segment_on_ray(parts[0], PARAMS, root / "out", root / "ws", sample_size=200_000, save=True)
    (root / "out" / "saved_run_id").write_text(str(done.run_id))
    return root / "out", root / "ws"


def _segments(out: Path) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(p) for p in sorted((out / "segments").glob("part-*.parquet"))],
                     ignore_index=True)


def test_every_customer_once_with_the_local_engines_segments(first: tuple[Path, Path],
                                                             parts: tuple[Path, Path]) -> None:
    out, ws = first
    ray_segments = _segments(out)
    assert ray_segments["id"].tolist() == [f"c{i}" for i in range(N)]  # every id once, in input order
    csv = pd.read_csv(out / "segments.csv", encoding="utf-8-sig", dtype={"id": str})
    assert csv["id"].tolist() == ray_segments["id"].tolist()
    local_run = run_segmentation(load_table(parts[1]), PARAMS, ws)
    assert local_run.run_info["embedding"]["embedded"] == 0  # every vector read from the shards Ray's actors wrote
    local = local_run.segments_frame()
    assert adjusted_rand_score(local["segment_id"], ray_segments["segment_id"]) >= 0.95
    # identical: fitted on the same rows in the same order, and an exact match decides the vote alone
    assert np.array_equal(local["segment_id"].to_numpy(), ray_segments["segment_id"].to_numpy())
    assert np.allclose(local[["x", "y", "margin"]], ray_segments[["x", "y", "margin"]], atol=1e-4)
    run = json.loads((out / "run.json").read_text())
    assert run["engine"]["name"] == "ray" and run["engine"]["resources"]["CPU"] == 2
    assert run["sample"]["all_rows"] and run["input"]["customers"] == N and run["rows_per_second"] > 0
    assert run["embedding"]["embedded"] > 0
    assert run["embedding"]["backend"] == run["fit"]["embedding"]["backend"]  # the runtime, said as locally
    profiles = json.loads((out / "profiles.json").read_text())
    assert sum(p["size"] for p in profiles) == N - int((ray_segments["segment_id"] < 0).sum())
    assert all(p["sources"]["size"] == "population" and p["sources"]["words"] == "sample" for p in profiles)


def test_a_saved_ray_run_opens_with_its_sample_and_exports_everyone(first: tuple[Path, Path]) -> None:
    out, ws = first
    run = load_run(ws, (out / "saved_run_id").read_text())
    assert len(run.segments) == N and "fitting sample" in run.run_info["notices"][0]
    assert run.run_info["population"] == {"customers": N, "sample": N}
    exported = membership(run, tuple(int(p["segment_id"]) for p in run.profiles))
    assert exported["id"].tolist() == _segments(out)["id"].tolist()


def test_a_sampled_run_embeds_nothing_again_and_assigns_everyone(first: tuple[Path, Path],
                                                                 parts: tuple[Path, Path], tmp_path: Path) -> None:
    _, ws = first
    params = replace(PARAMS, cluster=ClusterParams(algo="kmeans", k=6, seed=1))
    done = segment_on_ray(parts[0], params, tmp_path / "out", ws, sample_size=1_000)
    assert done.run_info["embedding"]["embedded"] == 0 and done.run_info["embedding"]["texts"] == N
    assert done.run_info["sample"]["size"] <= 1_000 and not done.run_info["sample"]["all_rows"]
    segments = _segments(tmp_path / "out")
    assert segments["id"].tolist() == [f"c{i}" for i in range(N)]
    assert segments["segment_id"].nunique() == 6
    profiles = json.loads((tmp_path / "out" / "profiles.json").read_text())
    assert sum(p["size"] for p in profiles) == N
    assert sum(p["sample"]["size"] for p in profiles) == done.run_info["sample"]["size"]
    # assign --engine ray gives what the local assign gives
    assigned = assign_on_ray(tmp_path / "out", parts[0], tmp_path / "new", ws)
    locally = assign_table(load_table(parts[1]), tmp_path / "out", ws).segments
    on_ray = _segments(tmp_path / "new")
    assert assigned.customers == N
    assert on_ray["id"].tolist() == locally["id"].tolist()
    assert np.array_equal(on_ray["segment_id"].to_numpy(), locally["segment_id"].to_numpy())
    assert np.array_equal(on_ray["segment_id"].to_numpy(), segments["segment_id"].to_numpy())


@pytest.mark.parametrize("damage", ["empty", "schema", "corrupt"])
def test_bad_folders_are_refused_in_one_error_line(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "parts"
    write_damaged_parts(folder, damage)
    done = subprocess.run([sys.executable, "-m", "core", "segment", str(folder), "--id-col", "cid", "--engine", "ray",
                           "--embedder", "fake", "--out", str(tmp_path / "out"), "--workspace", str(tmp_path / "ws")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in done.stderr
