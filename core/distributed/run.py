"""``segment --engine ray``: the segmentation of a population too big for one process, on Ray Data.

1. **read** the parts (:mod:`core.distributed.read`) and count the rows;
2. **sample** a seeded sample of ``sample_size`` rows (every row when there are fewer, in input order);
3. **embed** every customer's text on Ray, one model per actor, into the workspace's embedding cache;
4. **fit** the single-process pipeline (:func:`core.pipeline.run_segmentation`) on the sample, on the driver,
   and save its assignment model as the ``assign`` command reads it;
5. **assign** every customer, sample included, with :func:`core.runs.assign.assign_customers` on Ray;
6. **write** ``segments/part-*.parquet`` (+ ``segments.csv`` up to :data:`CSV_MAX_ROWS`), ``profiles.json``
   (population sizes, shares and aggregates; sample words, traits and representatives) and ``run.json``.

The driver holds the sample (its table, embeddings and features: about sample × (columns + 2 × dims) × 4
bytes) and the aggregates (segments × columns), never all customers' vectors.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.distributed.assign import VALUE_PREFIX, Aggregates, AssignBatches, partial_aggregates
from core.distributed.embed import EmbedBatches
from core.distributed.embedders import driver_embedders
from core.distributed.engine import ActorPlan, actor_plan, assign_plan, ray_cluster
from core.distributed.read import checked_parts, read_parts, tidy_batch
from core.errors import CoreError, InputError, ParameterError
from core.explain.profile import Profile
from core.ingest.io import LoadedTable
from core.parameters import SegmentParams
from core.pipeline import SegmentationResult, run_segmentation
from core.progress import Progress
from core.represent.features import prepare_customers
from core.represent.text import choose_embedder, runtime_reason
from core.runs.assign import DEFAULT_K, MODEL_DIR, assignment_model, load_model, save_model
from core.runs.export import safe_csv_frame, write_json
from core.runs.store import runs_dir, save_run
from core.storage.atomic import atomic_write_bytes
from core.storage.hashing import stable_hash

CSV_MAX_ROWS = 1_000_000  # segments.csv is written too up to this many customers (the Parquet parts always)
EMBED_BATCH = 2048  # rows per embedding call: a few seconds of CPU work, a fraction of a second on a GPU
# rows per embedding call on a GPU: each padded length's last fixed-shape batch is filled with repeats
# (core.represent.embedders.fixed_batches), which cost 2-5× the work on 2,048 texts and ~1.3× on 20,000
GPU_EMBED_BATCH = 65_536
ASSIGN_BATCH = 4096  # rows per assignment call (a block × sample distance matrix is computed in chunks)
SAMPLE_MARGIN = 1.05  # rows drawn over the sample size, so the seeded draw rarely falls short
POPULATION_DIR = "population"  # a saved run's copy of the segments' Parquet parts, read by the exports
SAMPLED = ("words", "phrases", "numeric", "categories", "representatives", "quality")


@dataclass
class RayRun:
    """What ``segment --engine ray`` wrote and measured."""

    customers: int
    paths: dict[str, Path]
    run_info: dict[str, Any]
    quality: dict[str, Any]
    run_id: str | None = None  # the run saved in the workspace for the app (``save``)


@contextmanager
def _cluster_errors() -> Iterator[None]:
    """Errors raised on the cluster as the analyst's one sentence: a CoreError raised in a worker is raised
    again as itself; anything else while reading or processing blocks names the part of the failure."""
    import ray.exceptions

    try:
        yield
    except ray.exceptions.RayError as exc:
        seen: BaseException | None = exc
        while seen is not None:
            if isinstance(seen, CoreError) and not isinstance(seen, ray.exceptions.RayError):
                raise seen from None
            seen = getattr(seen, "cause", None) or seen.__cause__
        lines = [line.strip() for line in str(exc).splitlines() if re.match(r"^\s*\w+(Error|Exception): ", line)]
        last = lines[-1] if lines else type(exc).__name__
        raise InputError(f"Processing the parts on the cluster failed ({last[:200]}). A part may be "
                         "damaged: export it again, or check the columns.") from None


def _row_draws(batch: pd.DataFrame, seed: int) -> np.ndarray:
    """A uniform number in [0, 1) per row from the row's values and the seed: the same wherever the row is read."""
    hashed = pd.util.hash_pandas_object(batch, index=False, hash_key=f"segment{seed:09d}"[-16:])
    return hashed.to_numpy(dtype=np.uint64) / float(2**64)


def _draw(batch: pd.DataFrame, seed: int, share: float) -> pd.DataFrame:
    batch = tidy_batch(batch)
    draws = _row_draws(batch, seed)
    return batch.assign(**{"__draw": draws}).loc[draws < share]


def seeded_sample(ds: Any, rows: int, size: int, seed: int) -> pd.DataFrame:
    """Every row in input order when ``rows <= size``; else the ``size`` rows with the smallest seeded draws,
    in input order (a uniform sample that does not depend on how the parts are split into blocks)."""
    if rows <= size:
        return tidy_batch(ds.to_pandas())
    share = min(1.0, SAMPLE_MARGIN * size / rows + 100 / rows)
    drawn = ds.map_batches(_draw, fn_kwargs={"seed": seed, "share": share}, batch_format="pandas").to_pandas()
    keep = np.sort(np.argsort(drawn["__draw"].to_numpy(), kind="stable")[:size])
    return drawn.iloc[keep].drop(columns="__draw").reset_index(drop=True)


def _rate(progress: Progress, stage: str, done: int, total: int, started: float, what: str) -> None:
    seconds = max(time.perf_counter() - started, 1e-9)
    progress(stage, done / max(total, 1), f"{done:,} of {total:,} {what} ({done / seconds:,.0f}/s)")


def _embed_all(ds: Any, frame: pd.DataFrame, roles: dict[str, str], params: SegmentParams, workspace: Path,
               plan: ActorPlan, rows: int, progress: Progress) -> dict[str, Any]:
    """Embed every customer's text on the cluster into the workspace's cache; returns the counts."""
    sample = prepare_customers(frame, roles, params.text_aggregation)
    info: dict[str, Any] = {"texts": 0, "embedded": 0, "embedder": None}
    if not sample.columns["text"] or not any(sample.texts):
        return info
    embedder, _ = choose_embedder(sample.texts, params.embedder_choice())  # auto decides on the sample
    if not embedder.per_text:
        raise ParameterError(f"The {embedder.name} embedder is fitted on one corpus, so blocks on several workers "
                             "cannot share it; use --embedder model or multilingual with --engine ray.")
    choice = replace(params.embedder_choice(), embedder=embedder.name)
    counts = ds.map_batches(EmbedBatches, fn_constructor_args=(roles, params.text_aggregation,
                                                               driver_embedders(), choice, str(workspace)),
                            concurrency=plan.actors, num_cpus=plan.num_cpus, num_gpus=plan.num_gpus,
                            batch_size=GPU_EMBED_BATCH if plan.num_gpus else EMBED_BATCH, batch_format="pandas")
    started = time.perf_counter()
    done = 0
    for row in counts.iter_rows():
        info["texts"] += int(row["texts"])
        info["embedded"] += int(row["embedded"])
        done += int(row["texts"])
        _rate(progress, "embed", done, rows, started, "texts embedded or found in the cache")
    info.update(embedder=embedder.name, model=embedder.model_id, backend=embedder.backend,
                from_cache=info["texts"] - info["embedded"])
    reason = runtime_reason(embedder, choice)
    if reason is not None:  # a sentence model: why it ran on its runtime, as local runs say
        info["backend_reason"] = reason
    return info


def _population_profiles(profiles: list[Profile], aggregates: Aggregates) -> list[dict[str, Any]]:
    """The sample's profiles with the population's size, share and aggregates, each field marked by its source."""
    out = []
    for profile in profiles:
        figures = aggregates.segment_figures(int(profile["segment_id"]))
        sources = {name: "sample" for name in SAMPLED if name in profile}
        out.append({**profile, "size": figures["size"], "share": figures["share"],
                    "sample": {"size": profile["size"], "share": profile["share"]},
                    "population": {"numeric": figures["numeric"], "categorical": figures["categorical"]},
                    "sources": {"size": "population", "share": "population", "population": "population", **sources}})
    return out


def _write_csv_from_parts(folder: Path, path: Path) -> None:
    """``segments.csv`` streamed from the Parquet parts, a part at a time (UTF-8 with BOM, formula-safe)."""

    def fill(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            for i, part in enumerate(sorted(folder.glob("part-*.parquet"))):
                safe_csv_frame(pd.read_parquet(part)).to_csv(fh, index=False, header=i == 0)

    atomic_write_bytes(path, fill)


def _write_parts(assigned: Any, out: Path) -> Path:
    """``out/segments/part-*.parquet`` (the segments.csv columns), replacing an earlier folder only when done."""
    from ray.data import SaveMode
    from ray.data.datasource import FilenameProvider

    class PartNames(FilenameProvider):
        def get_filename_for_task(self, write_uuid: str, task_index: int) -> str:
            return f"part-{task_index:05d}.parquet"

    final, tmp = out / "segments", out / f".segments.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    columns = [c for c in assigned.columns() if not c.startswith(VALUE_PREFIX)]
    assigned.select_columns(columns).write_parquet(str(tmp), filename_provider=PartNames(),
                                                      mode=SaveMode.OVERWRITE)  # a new folder
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return final


def _assign_and_write(ds: Any, folder: Path, out: Path, workspace: Path, k: int, plan: ActorPlan, rows: int,
                      roles: dict[str, str], say: Progress) -> tuple[int, Path, Aggregates]:
    """Assign every row of ``ds`` with the run in ``folder`` on the cluster, write ``out/segments/`` and sum
    the population's aggregates; returns (customers, the parts' folder, the aggregates)."""
    started = time.perf_counter()
    say("assign", 0.0, f"Assigning {rows:,} customers with {plan.actors} actor(s)")
    assigned = ds.map_batches(AssignBatches, fn_constructor_args=(str(folder), str(workspace), k, driver_embedders()),
                              concurrency=plan.actors, num_cpus=plan.num_cpus, num_gpus=plan.num_gpus,
                              batch_size=ASSIGN_BATCH, batch_format="pandas").materialize()
    customers = int(assigned.count())
    _rate(say, "assign", customers, rows, started, "customers assigned")
    parts_dir = _write_parts(assigned, out)
    aggregates = Aggregates()
    for row in assigned.map_batches(partial_aggregates, fn_kwargs={"roles": roles}, batch_format="pandas").iter_rows():
        aggregates.add(row["stats"])
    say("write", 1.0, f"Wrote {parts_dir}")
    return customers, parts_dir, aggregates


def _write_csv(parts_dir: Path, customers: int, out: Path, notices: list[str]) -> dict[str, Path]:
    """``segments.csv`` up to :data:`CSV_MAX_ROWS` customers (a notice above)."""
    if customers > CSV_MAX_ROWS:
        notices.append(f"segments.csv is not written above {CSV_MAX_ROWS:,} customers; read segments/*.parquet.")
        return {}
    _write_csv_from_parts(parts_dir, out / "segments.csv")
    return {"segments": out / "segments.csv"}


def _stage_clock(seconds: dict[str, float]) -> Callable[[str], None]:
    """``lap(stage)`` records the seconds since the previous lap under ``stage``."""
    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        seconds[stage] = round(now - clock[0], 3)
        clock[0] = now

    return lap


def _engine_info(address: str | None, resources: dict[str, Any], plan: ActorPlan) -> dict[str, Any]:
    return {"name": "ray", "address": address or "started on this machine",
            "resources": {k: float(v) for k, v in resources.items() if not k.startswith("node:")},
            "actors": asdict(plan)}


def assign_on_ray(folder: Path, source: str | Path, out: Path, workspace: Path, *, k: int = DEFAULT_K,
                  address: str | None = None, num_cpus: int | None = None,
                  progress: Progress | None = None) -> RayRun:
    """``assign --engine ray``: the customers of ``source`` (file, folder or glob of parts) get the segments of
    the run in ``folder``, each block through :func:`core.runs.assign.assign_customers` on the cluster (new
    texts are embedded there, through the cache). Writes ``out/segments/`` (+ ``segments.csv``) and
    ``out/assign.json`` (engine, resources, per-stage seconds, rows per second, customers per segment)."""
    say: Progress = progress or (lambda *_: None)
    out, workspace = Path(out), Path(workspace)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    lap = _stage_clock(seconds)
    model_roles = load_model(Path(folder) / MODEL_DIR).roles
    parts = checked_parts(source)
    with ray_cluster(address, num_cpus) as resources, _cluster_errors():
        import ray.data

        ray.data.DataContext.get_current().execution_options.preserve_order = True
        plan = actor_plan(resources)
        ds = read_parts(parts)
        rows = ds.count()
        say("read", 1.0, f"{rows:,} rows in {len(parts.paths)} part(s)")
        lap("read")
        customers, parts_dir, aggregates = _assign_and_write(
            ds, Path(folder), out, workspace, k, assign_plan(resources, "text" in model_roles.values()), rows,
            model_roles, say)
        lap("assign")
    notices: list[str] = []
    paths = {"segments_parts": parts_dir, "run": out / "assign.json", **_write_csv(parts_dir, customers, out, notices)}
    lap("csv")
    total = round(sum(seconds.values()), 3)
    run_info = {"command": "assign", "run": str(folder), "engine": _engine_info(address, resources, plan),
                "input": {"name": str(source), "parts": [p.name for p in parts.paths], "rows": int(rows),
                          "customers": customers, "columns": parts.columns},
                "segments": {str(s): n for s, n in sorted(aggregates.sizes.items())},
                "stages": {name: {"seconds": s} for name, s in seconds.items()}, "seconds": total,
                "rows_per_second": round(customers / total, 1) if total else None, "notices": notices}
    write_json(run_info, paths["run"])
    return RayRun(customers, paths, run_info, {})


def segment_on_ray(source: str | Path, params: SegmentParams, out: Path, workspace: Path, *,
                   sample_size: int, address: str | None = None, num_cpus: int | None = None,
                   k: int = DEFAULT_K, progress: Progress | None = None, save: bool = False) -> RayRun:
    """Segment the customers of ``source`` (a file, folder or glob of parts) on Ray; see the module docstring.
    With ``save`` the run is also saved in the workspace, for the app (``RayRun.run_id``)."""
    params.validate()
    if params.user_col:
        raise ParameterError("--engine ray needs one row per customer; group the rows per user first, or use "
                             "--engine local with --user-col.")
    say: Progress = progress or (lambda *_: None)
    out, workspace = Path(out), Path(workspace)
    out.mkdir(parents=True, exist_ok=True)
    workspace.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    lap = _stage_clock(seconds)
    parts = checked_parts(source)
    with ray_cluster(address, num_cpus) as resources, _cluster_errors():
        import ray.data

        ray.data.DataContext.get_current().execution_options.preserve_order = True
        plan = actor_plan(resources)
        if plan.backend:
            # torch fp16 on the GPUs; device cuda gives the driver the actors' cache identity (st-fp16-cuda)
            params = replace(params, backend=plan.backend, device=plan.device)
        say("read", 0.0, f"Reading {source} on Ray ({_describe(resources)})")
        ds = read_parts(parts)
        rows = ds.count()
        say("read", 1.0, f"{rows:,} rows in {len(parts.paths)} part(s), {len(parts.columns)} columns")
        lap("read")

        seed = params.reduce.seed
        frame = seeded_sample(ds, rows, sample_size, seed)
        if len(frame) < 2:
            raise InputError(f"{source} holds {len(frame)} usable row; segmenting needs at least 2 customers.")
        say("sample", 1.0, f"Fitting on {len(frame):,} of {rows:,} rows (seed {seed})")
        notices: list[str] = []
        roles = params.column_roles(frame, notices)  # user_col is refused above
        lap("sample")

        embedding = _embed_all(ds, frame, roles, params, workspace, plan, rows, say)
        lap("embed")

        table = LoadedTable(frame=frame, name=f"{Path(str(source)).name} (sample)", format="parquet",
                            content_hash=stable_hash("ray-sample", pd.util.hash_pandas_object(frame).to_numpy()))
        result = run_segmentation(table, params, workspace, say)
        save_model(assignment_model(result), out / MODEL_DIR)
        write_json(result.profiles, out / "profiles.json")  # the names the assignment actors read
        lap("fit")

        customers, parts_dir, aggregates = _assign_and_write(ds, out, out, workspace, k,
                                                             assign_plan(resources, embeds=False), rows,
                                                             result.customers.roles, say)
        lap("assign")
    paths = {"segments_parts": parts_dir, "profiles": out / "profiles.json", "run": out / "run.json",
             **_write_csv(parts_dir, customers, out, notices)}
    profiles = _population_profiles(result.profiles, aggregates)
    write_json(profiles, paths["profiles"])
    if aggregates.truncated:
        notices.append("Some categorical columns have more than 100 values in a segment; the population counts "
                       "keep the most frequent and sum the rest as '(other)'.")
    lap("csv")
    total = round(sum(seconds.values()), 3)
    info = result.run_info
    run_info = {
        **{key: info[key] for key in ("roles", "parameters", "versions", "quality", "created")},
        "command": "segment", "output": str(out),
        "engine": _engine_info(address, resources, plan),
        "input": {"name": str(source), "parts": [p.name for p in parts.paths], "rows": int(rows),
                  "customers": int(customers), "columns": parts.columns},
        "sample": {"size": int(len(frame)), "requested": int(sample_size), "seed": int(seed),
                   "all_rows": bool(len(frame) == rows)},
        "embedding": embedding,
        "stages": {name: {"seconds": s} for name, s in seconds.items()},
        "seconds": total, "rows_per_second": round(customers / total, 1) if total else None,
        "fit": {"stages": info["stages"], "embedding": info["embedding"], "input": info["input"]},
        "profiles": {"population": ["size", "share", "population"], "sample": list(SAMPLED)},
        "notices": list(dict.fromkeys([*info["notices"], *notices])),
    }
    write_json(run_info, paths["run"])
    saved = _save_for_app(result, run_info, profiles, parts_dir, workspace) if save else None
    return RayRun(int(customers), paths, run_info, result.quality, saved)


def _save_for_app(result: SegmentationResult, run_info: dict[str, Any], profiles: list[dict[str, Any]],
                  parts_dir: Path, workspace: Path) -> str:
    """Save the run in the workspace for the app: the fitted sample (its map, with a notice), the population's
    profiles, and a copy of the segments' Parquet parts in ``population/`` for the exports."""
    sample, total = run_info["sample"]["size"], run_info["input"]["customers"]
    notice = (f"Made on Ray: the map and the customer views show the seeded fitting sample of {sample:,} of "
              f"{total:,} customers; segment sizes and the exports cover all {total:,}.")
    result.profiles = profiles  # type: ignore[assignment]  # Profile plus the population's fields
    result.run_info = {**result.run_info, "engine": run_info["engine"],  # type: ignore[typeddict-unknown-key]
                       "population": {"customers": total, "sample": sample},
                       "notices": [notice, *result.run_info["notices"]]}
    run_id = save_run(result, workspace)
    folder = runs_dir(workspace) / run_id
    tmp = folder / f".{POPULATION_DIR}.{os.getpid()}"
    shutil.copytree(parts_dir, tmp)
    os.replace(tmp, folder / POPULATION_DIR)
    return run_id


def population_segments(folder: Path, segment_ids: tuple[int, ...] | None = None) -> pd.DataFrame | None:
    """The segments of every customer of a run saved from Ray (its ``population/`` parts), restricted to
    ``segment_ids``; None for a run without them."""
    parts = sorted((Path(folder) / POPULATION_DIR).glob("part-*.parquet"))
    if not parts:
        return None
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return frame if segment_ids is None else frame[frame["segment_id"].isin(segment_ids)].reset_index(drop=True)


def _describe(resources: dict[str, Any]) -> str:
    gpus = int(resources.get("GPU", 0))
    return f"{int(resources.get('CPU', 0))} CPUs" + (f", {gpus} GPUs" if gpus else "")


