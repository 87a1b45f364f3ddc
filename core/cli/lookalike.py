"""``python -m core lookalike RUN --seeds FILE_OR_IDS [--size N | --min-similarity S] [--exclude-segment ID]
--out DIR``: everyone else scored by likeness to the seeds; writes ``DIR/audience.csv`` (``id, rank, score,
segment_id``, never a seed) and ``DIR/curve.csv`` (audience size against similarity threshold)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from core.cli.options import DEFAULT_WORKSPACE, RUN_HELP, add_declared
from core.errors import ParameterError
from core.explain.lookalike import (
    LookalikeParams,
    audience_frame,
    audience_rows,
    eligible_rows,
    lookalike_scores,
    size_curve,
)
from core.ingest.id_lists import read_ids
from core.ingest.privacy import hash_ids, workspace_key
from core.runs.assign import locate_run
from core.runs.export import write_csv
from core.runs.opened import open_run, rows_of
from core.schema import declared
from core.tasks.search import QUERY_SEEDS, search, searchable

NAME = "lookalike"
HELP = "find the customers most like a list of seed customers (a lookalike audience)"
FLAGS = {"--method": "method", "--size": "size", "--min-similarity": "min_similarity", "--neighbors": "neighbours",
         "--seed": "seed"}


def add_arguments(look: argparse.ArgumentParser) -> None:
    look.add_argument("run", help=RUN_HELP)
    seeds = look.add_mutually_exclusive_group(required=True)
    seeds.add_argument("--seeds", metavar="FILE_OR_IDS",
                       help="seed customer ids: a file (one per line, or a CSV with an id column) or ids separated "
                            "by commas")
    seeds.add_argument("--seed-segment", type=int, metavar="ID", help="every member of this segment is a seed")
    seeds.add_argument("--query", metavar="TEXT",
                       help=f"an audience from a description: the {QUERY_SEEDS} best matches of this search are "
                            "the seeds")
    look.add_argument("--out", required=True, type=Path, help="folder for audience.csv and curve.csv")
    look.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE, help="workspace (saved runs)")
    look.add_argument("--exclude-segment", type=int, action="append", default=[], metavar="ID",
                      help="leave the members of this segment out of the audience (repeatable)")
    defaults, fields = LookalikeParams(), declared(LookalikeParams)
    for flag, name in FLAGS.items():
        add_declared(look, flag, fields[name], getattr(defaults, name), dest=name)
    look.add_argument("--hash-ids", action="store_true", help="replace customer ids in audience.csv by keyed hashes")
    look.add_argument("--ignore-unknown", action="store_true", help="use the seed ids found and skip the others")


def run(args: argparse.Namespace) -> int:
    params = LookalikeParams(**{name: getattr(args, name) for name in FLAGS.values()}).validate()
    people = open_run(args.run, args.workspace)
    unknown: list[str] = []
    if args.query is not None:
        seeds = search(searchable(people, locate_run(args.run, args.workspace), args.workspace), args.query,
                       QUERY_SEEDS).rows
    elif args.seed_segment is not None:
        seeds = np.flatnonzero(people.labels == args.seed_segment)
        if args.seed_segment < 0 or not len(seeds):
            raise ParameterError(f"There is no segment {args.seed_segment} in this run; give a segment id from "
                                 "its segments.csv.")
    else:
        seeds, unknown = rows_of(people, read_ids(args.seeds), "seed ids", args.ignore_unknown)
    scores = lookalike_scores(people.features, seeds, params)
    eligible = eligible_rows(len(scores), seeds, people.labels, tuple(args.exclude_segment))
    rows = audience_rows(scores, eligible, params.size, params.min_similarity)
    audience = audience_frame(rows, scores, people.ids, people.labels)
    if args.hash_ids:
        audience["id"] = hash_ids(audience["id"], workspace_key(args.workspace))
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(audience, args.out / "audience.csv")
    write_csv(size_curve(scores, eligible), args.out / "curve.csv")
    if unknown:
        sys.stderr.write(f"note: skipped {len(unknown):,} seed id(s) that are not customers of this run.\n")
    spread = (f"scores {audience['score'].iloc[-1]:.3f} to {audience['score'].iloc[0]:.3f}; " if len(audience) else "")
    print(f"{len(audience):,} lookalikes of {len(seeds):,} seed(s) by {params.method} ({spread}"
          f"{int(eligible.sum()):,} customers could join); wrote {args.out / 'audience.csv'} and "
          f"{args.out / 'curve.csv'}")
    return 0
