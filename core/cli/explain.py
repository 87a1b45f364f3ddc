"""``python -m core explain RUN --ids FILE_OR_IDS --out DIR``: why each customer is in their segment and not in the
runner-up; writes ``DIR/explanations.json`` (see :mod:`core.explain.explanations`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.options import DEFAULT_WORKSPACE, RUN_HELP
from core.tasks import explain
from core.tasks.explain import N_SIMILAR

NAME = "explain"
HELP = "explain why customers are in their segments (reasons, runner-up, margin, similar members)"
SHOWN = 5  # explanations summarised on stdout


def add_arguments(exp: argparse.ArgumentParser) -> None:
    exp.add_argument("run", help=RUN_HELP)
    exp.add_argument("--ids", required=True, metavar="FILE_OR_IDS",
                     help="customer ids: a file (one per line, or a CSV with an id column) or ids separated by commas")
    exp.add_argument("--out", required=True, type=Path, help="folder for explanations.json")
    exp.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE,
                     help="workspace (saved runs; the segmentation's cached word counts are reused from it)")
    exp.add_argument("--similar", type=int, default=N_SIMILAR,
                     help=f"similar members per customer (default {N_SIMILAR})")
    exp.add_argument("--ignore-unknown", action="store_true", help="explain the ids found and skip the others")


def run(args: argparse.Namespace) -> int:
    done = explain(args.run, args.ids, args.workspace, args.out, similar=args.similar,
                   ignore_unknown=args.ignore_unknown)
    if done.unknown:
        sys.stderr.write(f"note: skipped {len(done.unknown):,} id(s) that are not customers of this run.\n")
    for item in done.explanations[:SHOWN]:
        top = item["reasons"][0]["sentence"] if item["reasons"] else "no reasons"
        if item["segment_id"] < 0:
            nearest = item["runner_up_name"]
            where = f"unassigned, nearest segment {nearest!r}" if nearest else "unassigned"
        else:
            margin = "" if item["margin"] is None else f", margin {item['margin']:.2f}"
            against = f" rather than {item['runner_up_name']!r}" if item["runner_up_name"] else ""
            where = f"{item['segment_name']!r}{against}{margin}"
        print(f"{item['id']}: {where}; {top}")
    print(f"explained {len(done.explanations):,} customer(s); wrote {done.path}")
    return 0
