"""``python -m core refresh RUN NEW_INPUT --out DIR [--workspace DIR] [--seed N]``: the segments of RUN (a
``segment``/``refresh`` output folder, or a saved run or refresh id) on the next period's table, ids and names kept, new
groups as new segments; writes ``segments.csv``, ``profiles.json``, ``changes.json``, ``run.json`` and ``model/``
(so DIR can be refreshed in turn)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import RefreshParams, written_line
from core.cli.options import (
    DEFAULT_WORKSPACE,
    add_declared,
    add_sql_input_options,
    add_sql_output_options,
    progress_printer,
    source_of,
    sql_target,
)
from core.schema import declared
from core.tasks import refresh

NAME = "refresh"
HELP = "refresh a segmentation on the next period's table: same ids, who moved, what emerged"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="an output folder of 'segment' or 'refresh', or a saved run id in the workspace")
    parser.add_argument("input", help="the next period's customers, with the same columns (CSV, Parquet or XLSX; "
                        "or a database URL with --table or --query)")
    add_sql_input_options(parser)
    parser.add_argument("--out", required=True, type=Path,
                        help="folder for segments.csv, profiles.json, changes.json, run.json and model/")
    parser.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE,
                        help="workspace (saved runs, embedding cache)")
    fields, defaults = declared(RefreshParams), RefreshParams()
    for flag, name in (("--radius-quantile", "radius_quantile"), ("--min-new-size", "min_new_size"),
                       ("--seed", "seed")):
        add_declared(parser, flag, fields[name], getattr(defaults, name))
    parser.add_argument("--save-run", action="store_true",
                        help="also save the refresh in the workspace (the Changes page lists it; refresh it again "
                             "by its id); prints its id")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_sql_output_options(parser)


def run(args: argparse.Namespace) -> int:
    target = sql_target(args)
    params = RefreshParams(radius_quantile=args.radius_quantile, min_new_size=args.min_new_size,
                           seed=args.seed).validate()
    done = refresh(args.run, source_of(args), args.workspace, params, out=args.out, save=args.save_run,
                   to_sql=target, progress=progress_printer(args.quiet))
    for notice in done.refresh.notices:
        sys.stderr.write(f"note: {notice}\n")
    changes = done.refresh.changes
    print(f"{len(done.refresh.segments):,} customers: {done.moved:,} moved segment, {len(changes['new_segments'])} "
          f"new segment(s), {changes['gone']['count']:,} gone, {changes['joined']['count']:,} joined; "
          f"wrote {done.paths['segments']} and {done.paths['changes']}")
    if target is not None and done.written:
        print(written_line(target, done.written))
    if done.refresh_id:
        print(f"saved refresh {done.refresh_id}")
    return 0
