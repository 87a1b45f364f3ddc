"""``python -m core assign RUN INPUT --out DIR [--workspace DIR]``: give the customers of INPUT the segments
of RUN (a ``segment``/``refresh`` output folder, or a saved run or refresh id in the workspace); writes
``DIR/segments.csv`` with the same columns as ``segment`` does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import written_line
from core.cli.engines import add_engine_options, engine_from_args
from core.cli.options import (
    DEFAULT_WORKSPACE,
    RUN_HELP,
    add_sql_input_options,
    add_sql_output_options,
    progress_printer,
    source_of,
    sql_target,
)
from core.tasks import assign
from core.tasks.assign import DEFAULT_K

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
    add_engine_options(asg, sample=False)
    add_sql_output_options(asg)


def run(args: argparse.Namespace) -> int:
    target = sql_target(args)
    engine = engine_from_args(args)
    done = assign(args.run, source_of(args), args.workspace, args.out, neighbours=args.neighbors, engine=engine,
                  hash_ids_out=args.hash_ids, to_sql=target, progress=progress_printer(args.quiet))
    for notice in done.notices:
        sys.stderr.write(f"note: {notice}\n")
    unassigned = done.segments.get(-1, 0)
    if engine.local:
        print(f"{done.customers:,} customers assigned to {done.assigned_segments} segments "
              f"({unassigned:,} unassigned); wrote {done.paths['segments']}")
    else:
        wrote = done.paths.get("segments", done.paths["segments_parts"])
        print(f"{done.customers:,} customers assigned to {done.assigned_segments} segments ({unassigned:,} "
              f"unassigned, on Ray); wrote {wrote} and {done.paths['segments_parts']}")
    if target is not None and done.written:
        print(written_line(target, done.written))
    return 0
