"""``python -m core lookalike RUN --seeds FILE_OR_IDS [--size N | --min-similarity S] [--exclude-segment ID]
--out DIR``: everyone else scored by likeness to the seeds; writes ``DIR/audience.csv`` (``id, rank, score,
segment_id``, never a seed) and ``DIR/curve.csv`` (audience size against similarity threshold)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import LookalikeParams
from core.cli.options import DEFAULT_WORKSPACE, RUN_HELP, add_declared
from core.schema import declared
from core.tasks import lookalike
from core.tasks.search import QUERY_SEEDS

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
    done = lookalike(args.run, args.seeds if args.seed_segment is None else args.seed_segment, args.workspace,
                     args.out, params, query=args.query, exclude_segments=tuple(args.exclude_segment),
                     hash_ids_out=args.hash_ids, ignore_unknown=args.ignore_unknown)
    audience = done.frame
    if done.unknown:
        sys.stderr.write(f"note: skipped {len(done.unknown):,} seed id(s) that are not customers of this run.\n")
    spread = (f"scores {audience['score'].iloc[-1]:.3f} to {audience['score'].iloc[0]:.3f}; " if len(audience) else "")
    print(f"{len(audience):,} lookalikes of {len(done.seeds):,} seed(s) by {params.method} ({spread}"
          f"{done.available:,} customers could join); wrote {done.paths['audience']} and {done.paths['curve']}")
    return 0
