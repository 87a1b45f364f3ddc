"""``python -m core segment INPUT --out DIR [options]``: segment the customers of a table. ``DIR`` also
receives the assignment model (``DIR/model``) and the customers' values (``customers.parquet``, ``texts.parquet``),
so the folder can later assign new customers, explain customers and find lookalikes."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from core import LevelParams, RecommendParams, SegmentParams, written_line
from core.cli.engines import add_engine_options, engine_from_args
from core.cli.options import (
    add_declared,
    add_segment_options,
    add_sql_output_options,
    interaction_inputs,
    params_from_args,
    progress_printer,
    source_of,
    sql_target,
    summary,
)
from core.schema import declared
from core.tasks import Segmented, segment

NAME = "segment"
HELP = "segment the customers of a CSV, Parquet or XLSX file"


def add_arguments(seg: argparse.ArgumentParser) -> None:
    add_segment_options(seg, "folder for segments.csv, profiles.json, run.json")
    add_declared(seg, "--stability-runs", declared(SegmentParams)["stability_runs"], SegmentParams().stability_runs)
    seg.add_argument("--save-run", action="store_true",
                     help="also save the run in the workspace (for 'curate'); prints its id")
    add_engine_options(seg)
    add_sql_output_options(seg)
    for flag, name in (("--levels", "levels"), ("--sub-k", "sub_k")):
        add_declared(seg, flag, declared(LevelParams)[name], getattr(LevelParams(), name))


def run(args: argparse.Namespace) -> int:
    target = sql_target(args)
    params = replace(params_from_args(args), levels=LevelParams(args.levels, args.sub_k)).validate()
    engine = engine_from_args(args).check(interactions=args.interactions, hash_ids=args.hash_ids)
    recommend = RecommendParams(top_k=args.top_k, seed=args.seed, method=args.method).validate()
    done = segment(source_of(args), params, args.workspace, engine=engine, to_sql=target,
                   interactions=interaction_inputs(args) if engine.local else None, recommend=recommend,
                   out=args.out, save=args.save_run, hash_ids_out=args.hash_ids, progress=progress_printer(args.quiet))
    for notice in done.notices:
        sys.stderr.write(f"note: {notice}\n")
    if engine.local:
        inside = f", {done.run_info['levels']['segments']} inside them" if "levels" in done.run_info else ""
        print(f"{done.customers:,} customers in {summary(done.quality)}{inside}; wrote {done.paths['segments']}")
    else:
        wrote = done.paths.get("segments", done.paths["segments_parts"])
        print(f"{done.customers:,} customers in {summary(done.quality)} (fitted on {done.fitted_on:,}, on Ray); "
              f"wrote {wrote} and {done.paths['segments_parts']}")
    if done.evaluation is not None:
        _print_evaluation(done)
    if target is not None and done.written:
        print(written_line(target, done.written))
    if done.run_id:
        print(f"saved run {done.run_id}")
    return 0


def _print_evaluation(done: Segmented) -> None:
    evaluation, paths = done.evaluation or {}, done.paths
    m, k, default = evaluation["methods"], evaluation["k"], evaluation["default"]
    figures = (f"{default} precision@{k} {m[default]['precision']:.3f} against item-kNN "
               f"{m['item_knn']['precision']:.3f} and popularity {m['popularity']['precision']:.3f}, coverage "
               f"{m[default]['coverage']:.1%}" if m else evaluation["note"].rstrip("."))
    print(f"recommendations: {figures}; wrote {paths['recommendations']}, {paths['user_recommendations']} "
          f"and {paths['evaluation']}")
