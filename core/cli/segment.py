"""``python -m core segment INPUT --out DIR [options]``: segment the customers of a table. ``DIR`` also
receives the assignment model (``DIR/model``) and the customers' values (``customers.parquet``, ``texts.parquet``),
so the folder can later assign new customers, explain customers and find lookalikes."""

from __future__ import annotations

import argparse
import sys

from core.cli.engines import add_engine_options, segment_with_engine
from core.cli.options import (
    add_declared,
    add_segment_options,
    add_sql_output_options,
    interaction_inputs,
    load_input,
    params_from_args,
    progress_printer,
    sql_target,
    summary,
)
from core.distributed.engine import EngineParams
from core.ingest.privacy import hash_ids, workspace_key
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.recommend.lists import RecommendParams
from core.runs.assign import MODEL_DIR, assignment_model, save_model
from core.runs.export import write_customers, write_outputs, write_recommendations
from core.runs.sql_export import check_target, write_tables, written_line
from core.runs.store import save_run
from core.schema import declared

NAME = "segment"
HELP = "segment the customers of a CSV, Parquet or XLSX file"


def add_arguments(seg: argparse.ArgumentParser) -> None:
    add_segment_options(seg, "folder for segments.csv, profiles.json, run.json")
    add_declared(seg, "--stability-runs", declared(SegmentParams)["stability_runs"], SegmentParams().stability_runs)
    seg.add_argument("--save-run", action="store_true",
                     help="also save the run in the workspace (for 'curate'); prints its id")
    add_engine_options(seg, declared(EngineParams))
    add_sql_output_options(seg)


def run(args: argparse.Namespace) -> int:
    params = params_from_args(args).validate()
    if args.engine != "local":
        return segment_with_engine(args, params, progress_printer(args.quiet))
    recommend = RecommendParams(top_k=args.top_k, seed=args.seed, method=args.method).validate()
    target = sql_target(args)
    progress = progress_printer(args.quiet)
    table = load_input(args, progress)
    inputs = interaction_inputs(args)
    if target is not None:
        check_target(target, (target.table, target.recommendations_table) if inputs else None)
    progress("load", 0.0, table.describe())
    result = run_segmentation(table, params, args.workspace, progress, interactions=inputs,
                              recommend=recommend if inputs else None)
    run_info = {**result.run_info, "command": "segment", "output": str(args.out)}
    key = workspace_key(args.workspace) if args.hash_ids else None
    save_model(assignment_model(result), args.out / MODEL_DIR)
    segments = result.segments_frame()
    paths = write_outputs(segments, result.profiles, run_info, args.out, id_key=key)
    write_customers(result.customers, args.out, id_key=key)  # for 'explain' and 'lookalike'
    recs, users = result.recommendations, None
    if recs is not None:
        users = recs.user_lists.assign(id=hash_ids(recs.user_lists["id"], key)) if key else recs.user_lists
        paths.update(write_recommendations(recs.segment_lists, users, recs.evaluation, args.out))
    for notice in result.notices:
        sys.stderr.write(f"note: {notice}\n")
    print(f"{len(result.customers):,} customers in {summary(result.quality)}; wrote {paths['segments']}")
    if recs is not None:
        for note in recs.evaluation.get("notes", []):
            sys.stderr.write(f"note: {note}\n")
        m, k, default = recs.evaluation["methods"], recs.evaluation["k"], recs.evaluation["default"]
        figures = (f"{default} precision@{k} {m[default]['precision']:.3f} against item-kNN "
                   f"{m['item_knn']['precision']:.3f} and popularity {m['popularity']['precision']:.3f}, coverage "
                   f"{m[default]['coverage']:.1%}" if m else recs.evaluation["note"].rstrip("."))
        print(f"recommendations: {figures}; wrote {paths['recommendations']}, {paths['user_recommendations']} "
              f"and {paths['evaluation']}")
    if target is not None:
        rows = segments.assign(id=hash_ids(segments["id"], key)) if key else segments
        print(written_line(target, write_tables(target, rows, users)))
    if args.save_run:
        print(f"saved run {save_run(result, args.workspace)}")
    return 0
