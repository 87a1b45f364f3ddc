"""``python -m core search RUN "QUERY" --top N --out DIR``: the customers whose texts best match a query, by
meaning and by words; writes ``DIR/matches.csv`` (``id, rank, score, segment_id, segment_name, snippet``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli.options import DEFAULT_WORKSPACE, RUN_HELP, add_declared
from core.ingest.privacy import hash_ids, workspace_key
from core.runs.export import write_csv
from core.schema import declared
from core.tasks.search import SearchParams, open_searchable, search

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
    result = search(open_searchable(args.run, args.workspace), args.query, args.top)
    matches = result.matches
    if args.hash_ids:
        matches = matches.assign(id=hash_ids(matches["id"], workspace_key(args.workspace)))
    path = args.out / "matches.csv"
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(matches, path)
    where = ", ".join(f"{row.segment_name!r} {row.matches:,}" for row in result.spread.head(SHOWN).itertuples())
    print(f"{len(matches):,} matches by {result.model} and words (most in {where}); wrote {path}")
    return 0
