"""``python -m core search RUN "QUERY" --top N --out DIR``: the customers whose texts best match a query, by
meaning and by words; writes ``DIR/matches.csv`` (``id, rank, score, segment_id, segment_name, snippet``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli.options import DEFAULT_WORKSPACE, RUN_HELP, add_declared
from core.schema import declared
from core.tasks import SearchParams, search_run

NAME = "search"
HELP = "find the customers whose texts match a query, in any language the embedders read"
SHOWN = 3  # segments summarised on stdout


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help=RUN_HELP)
    parser.add_argument("query", help="what customers write about, e.g. \"late delivery\" or \"物流太慢\"")
    add_declared(parser, "--top", declared(SearchParams)["top"], SearchParams.top, dest="top")
    parser.add_argument("--out", required=True, type=Path, help="folder for matches.csv")
    parser.add_argument("--workspace", type=Path, default=DEFAULT_WORKSPACE,
                        help="workspace (saved runs, the embedding cache and the search index)")
    parser.add_argument("--hash-ids", action="store_true", help="replace customer ids in matches.csv by keyed hashes")


def run(args: argparse.Namespace) -> int:
    result = search_run(args.run, args.query, args.workspace, args.out, args.top, hash_ids_out=args.hash_ids)
    matches, path = result.matches, result.paths["matches"]
    where = ", ".join(f"{row.segment_name!r} {row.matches:,}" for row in result.spread.head(SHOWN).itertuples())
    print(f"{len(matches):,} matches by {result.model} and words (most in {where}); wrote {path}")
    return 0
