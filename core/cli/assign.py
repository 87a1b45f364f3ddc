"""``python -m core assign RUN INPUT --out DIR [--workspace DIR]``: give the customers of INPUT the segments
of RUN (a ``segment``/``refresh`` output folder, or a saved run or refresh id in the workspace); writes
``DIR/segments.csv`` with the same columns as ``segment`` does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.engines import add_engine_options, assign_with_engine
from core.cli.options import (
    DEFAULT_WORKSPACE,
    RUN_HELP,
    add_sql_input_options,
    add_sql_output_options,
    load_input,
    progress_printer,
    sql_target,
)
from core.distributed.engine import EngineParams
from core.ingest.privacy import hash_ids, workspace_key
from core.runs.assign import DEFAULT_K, assign_table, locate_run
from core.runs.export import write_csv
from core.runs.sql_export import check_target, write_tables, written_line
from core.schema import declared

NAME = "assign"
HELP = "give new customers the segments of a finished segmentation"


def add_arguments(asg: argparse.ArgumentParser) -> None:
    asg.add_argument("run", help=RUN_HELP)
    asg.add_argument("input", help="customers table with the same columns (CSV, Parquet or XLSX; with --engine ray "
                     "also a folder or glob of Parquet/CSV parts; or a database URL with --table or --query)")
    add_sql_input_options(asg)
    asg.add_argument("--out", required=True, type=Path, help="folder for segments.csv")
    asg.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE,
                     help="workspace (saved runs, embedding cache)")
    asg.add_argument("--neighbors", type=int, default=DEFAULT_K, help="training customers that vote for each new one")
    asg.add_argument("--hash-ids", action="store_true", help="replace customer ids in segments.csv by keyed hashes")
    asg.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_engine_options(asg, declared(EngineParams), sample=False)
    add_sql_output_options(asg)


def run(args: argparse.Namespace) -> int:
    if args.engine != "local":
        return assign_with_engine(args, progress_printer(args.quiet))
    folder = locate_run(args.run, args.workspace)
    target = sql_target(args)
    progress = progress_printer(args.quiet)
    table = load_input(args, progress)
    if target is not None:
        check_target(target)
    progress("load", 0.0, table.describe())
    assignment = assign_table(table, folder, args.workspace, args.neighbors, progress)
    segments = assignment.segments
    if args.hash_ids:
        segments = segments.assign(id=hash_ids(segments["id"], workspace_key(args.workspace)))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "segments.csv"
    write_csv(segments, path)
    for notice in assignment.notices:
        sys.stderr.write(f"note: {notice}\n")
    counts = segments["segment_id"].value_counts()
    print(f"{len(segments):,} customers assigned to {int((counts.index >= 0).sum())} segments "
          f"({int(counts.get(-1, 0)):,} unassigned); wrote {path}")
    if target is not None:
        print(written_line(target, write_tables(target, segments)))
    return 0
