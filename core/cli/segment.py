"""``python -m core segment INPUT --out DIR [options]``: segment the customers of a table. ``DIR`` also
receives the assignment model (``DIR/model``) and the customers' values (``customers.parquet``, ``texts.parquet``),
so the folder can later assign new customers, explain customers and find lookalikes."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from core.cli.engines import add_engine_options, segment_with_engine
from core.cli.options import (
    add_declared,
    add_segment_options,
    interaction_inputs,
    params_from_args,
    progress_printer,
    summary,
)
from core.distributed.engine import EngineParams
from core.errors import ParameterError
from core.ingest.io import load_table
from core.ingest.privacy import hash_ids, workspace_key
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.recommend.lists import RecommendParams
from core.runs.assign import MODEL_DIR, assignment_model, save_model
from core.runs.export import write_customers, write_outputs, write_recommendations
from core.runs.store import save_run
from core.schema import declared
from core.segment.levels import LevelParams

NAME = "segment"
HELP = "segment the customers of a CSV, Parquet or XLSX file"


def add_arguments(seg: argparse.ArgumentParser) -> None:
    add_segment_options(seg, "folder for segments.csv, profiles.json, run.json")
    add_declared(seg, "--stability-runs", declared(SegmentParams)["stability_runs"], SegmentParams().stability_runs)
    seg.add_argument("--save-run", action="store_true",
                     help="also save the run in the workspace (for 'curate'); prints its id")
    add_engine_options(seg, declared(EngineParams))
    for flag, name in (("--levels", "levels"), ("--sub-k", "sub_k")):
        add_declared(seg, flag, declared(LevelParams)[name], getattr(LevelParams(), name))


def run(args: argparse.Namespace) -> int:
    params = replace(params_from_args(args), levels=LevelParams(args.levels, args.sub_k)).validate()
    if args.engine != "local" and params.levels.levels > 1:
        raise ParameterError("Segments within segments run on the local engine only; leave out --engine or --levels.")
    if args.engine != "local":
        return segment_with_engine(args, params, progress_printer(args.quiet))
    recommend = RecommendParams(top_k=args.top_k, seed=args.seed, method=args.method).validate()
    table = load_table(args.input)
    inputs = interaction_inputs(args)
    progress = progress_printer(args.quiet)
    progress("load", 0.0, table.describe())
    result = run_segmentation(table, params, args.workspace, progress, interactions=inputs,
                              recommend=recommend if inputs else None)
    run_info = {**result.run_info, "command": "segment", "output": str(args.out)}
    key = workspace_key(args.workspace) if args.hash_ids else None
    save_model(assignment_model(result), args.out / MODEL_DIR)
    paths = write_outputs(result.segments_frame(), result.profiles, run_info, args.out, id_key=key,
                          parents=result.parents)
    write_customers(result.customers, args.out, id_key=key)  # for 'explain' and 'lookalike'
    recs = result.recommendations
    if recs is not None:
        users = recs.user_lists.assign(id=hash_ids(recs.user_lists["id"], key)) if key else recs.user_lists
        paths.update(write_recommendations(recs.segment_lists, users, recs.evaluation, args.out))
    for notice in result.notices:
        sys.stderr.write(f"note: {notice}\n")
    inside = f", {result.run_info['levels']['segments']} inside them" if "levels" in result.run_info else ""
    print(f"{len(result.customers):,} customers in {summary(result.quality)}{inside}; wrote {paths['segments']}")
    if recs is not None:
        for note in recs.evaluation.get("notes", []):
            sys.stderr.write(f"note: {note}\n")
        m, k, default = recs.evaluation["methods"], recs.evaluation["k"], recs.evaluation["default"]
        figures = (f"{default} precision@{k} {m[default]['precision']:.3f} against item-kNN "
                   f"{m['item_knn']['precision']:.3f} and popularity {m['popularity']['precision']:.3f}, coverage "
                   f"{m[default]['coverage']:.1%}" if m else recs.evaluation["note"].rstrip("."))
        print(f"recommendations: {figures}; wrote {paths['recommendations']}, {paths['user_recommendations']} "
              f"and {paths['evaluation']}")
    if args.save_run:
        print(f"saved run {save_run(result, args.workspace)}")
    return 0
