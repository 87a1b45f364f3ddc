"""``python -m core curate RUN_ID ...``: edit a run saved with ``segment --save-run`` (merge, split, rename,
reassign outliers, reset) and write the curated files."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli.options import DEFAULT_WORKSPACE, summary
from core.errors import ParameterError
from core.tasks import Edit, Merge, ReassignOutliers, Rename, Reset, Split, curate

NAME = "curate"
HELP = "merge, split, rename or reassign outliers in a saved run, then export it"


def add_arguments(cur: argparse.ArgumentParser) -> None:
    cur.add_argument("run_id", help="id of a run saved with 'segment --save-run'")
    cur.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE, help="cache folder (default ./workspace)")
    cur.add_argument("--out", type=Path, help="write the curated segments.csv, profiles.json, run.json here")
    action = cur.add_mutually_exclusive_group()
    action.add_argument("--merge", nargs=2, type=int, metavar=("KEEP", "ABSORB"), help="move segment ABSORB into KEEP")
    action.add_argument("--split", type=int, metavar="SEGMENT", help="re-cluster one segment into --parts parts")
    action.add_argument("--rename", nargs=2, metavar=("SEGMENT", "NAME"), help="give a segment a name")
    action.add_argument("--reassign-outliers", action="store_true",
                        help="give unassigned customers their nearest segment")
    action.add_argument("--reset", action="store_true", help="go back to the segmentation as first saved")
    cur.add_argument("--parts", type=int, default=2, help="with --split: number of parts (default 2)")
    cur.add_argument("--name", help="with --merge: name of the merged segment")


def _edit(args: argparse.Namespace) -> Edit | None:
    if args.merge:
        keep, absorb = args.merge
        return Merge(keep, absorb, args.name)
    if args.split is not None:
        return Split(args.split, args.parts)
    if args.rename:
        try:
            return Rename(int(args.rename[0]), args.rename[1])
        except ValueError:
            raise ParameterError(
                f"--rename takes a segment id (a number) and a name, not {args.rename[0]!r}.") from None
    if args.reassign_outliers:
        return ReassignOutliers()
    return Reset() if args.reset else None


def run(args: argparse.Namespace) -> int:
    done = curate(args.workspace, args.run_id, _edit(args), args.out)
    run = done.run
    for profile in run.profiles:
        print(f"{profile['segment_id']:>3}  {profile['size']:>7,}  {profile['name']}")
    print(f"{len(run.segments):,} customers in {summary(run.run_info['quality'])}")
    if done.paths:
        print(f"wrote {done.paths['segments']}")
    return 0
