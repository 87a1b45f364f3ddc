"""``python -m core track RUN_A RUN_B --out DIR [--workspace DIR]``: match the segments of run B to run A's
(by shared customers, else by centroid similarity in A's feature space; Hungarian matching); writes
``DIR/track.json`` (pairs with their match quality) and ``DIR/segments.csv`` (B's customers with A's ids)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli.options import DEFAULT_WORKSPACE, RUN_HELP
from core.tasks import track

NAME = "track"
HELP = "match the segments of two runs, so the second carries the first's ids"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_a", help="the earlier run: " + RUN_HELP)
    parser.add_argument("run_b", help="the later run: " + RUN_HELP)
    parser.add_argument("--out", required=True, type=Path, help="folder for track.json and segments.csv")
    parser.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE, help="workspace (saved runs)")


def run(args: argparse.Namespace) -> int:
    report = track(args.run_a, args.run_b, args.workspace, args.out).report
    print(f"{len(report['matches'])} segment(s) of B matched to A's by {report['method']} "
          f"({report['customers_shared']:,} shared customers), {len(report['unmatched_b'])} new; "
          f"wrote {args.out / 'track.json'}")
    return 0
