"""``python -m core refresh RUN NEW_INPUT --out DIR [--workspace DIR] [--seed N]``: the segments of RUN (a
``segment``/``refresh`` output folder, or a saved run or refresh id) on the next period's table, ids and names kept, new
groups as new segments; writes ``segments.csv``, ``profiles.json``, ``changes.json``, ``run.json`` and ``model/``
(so DIR can be refreshed in turn)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.options import (
    DEFAULT_WORKSPACE,
    add_declared,
    add_sql_input_options,
    add_sql_output_options,
    load_input,
    progress_printer,
    sql_target,
)
from core.runs.assign import locate_run
from core.runs.refresh import RefreshParams, refresh_table, save_refresh, write_refresh
from core.runs.sql_export import check_target, write_tables, written_line
from core.schema import declared

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
    params = RefreshParams(radius_quantile=args.radius_quantile, min_new_size=args.min_new_size,
                           seed=args.seed).validate()
    folder = locate_run(args.run, args.workspace)
    target = sql_target(args)
    progress = progress_printer(args.quiet)
    table = load_input(args, progress)
    if target is not None:
        check_target(target)
    progress("load", 0.0, table.describe())
    refresh = refresh_table(table, folder, args.workspace, params, progress)
    paths = write_refresh(refresh, args.out)
    for notice in refresh.notices:
        sys.stderr.write(f"note: {notice}\n")
    changes = refresh.changes
    moved = sum(f["customers"] for f in changes["migration"] if f["from"] != f["to"])
    print(f"{len(refresh.segments):,} customers: {moved:,} moved segment, {len(changes['new_segments'])} new "
          f"segment(s), {changes['gone']['count']:,} gone, {changes['joined']['count']:,} joined; "
          f"wrote {paths['segments']} and {paths['changes']}")
    if target is not None:
        print(written_line(target, write_tables(target, refresh.segments)))
    if args.save_run:
        print(f"saved refresh {save_refresh(refresh, args.workspace)}")
    return 0
