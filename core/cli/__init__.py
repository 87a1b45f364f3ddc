"""The command line: ``python -m core COMMAND …``, one module per command.

A command module has ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> exit code``;
adding one is its file and one name in :data:`COMMANDS`. Exit 0 on success; exit 2 with one
``error:`` line on bad usage or bad input (a :class:`~core.errors.CoreError`), never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from core.cli import assign, curate, explain, lookalike, refresh, search, segment, sweep, track, users
from core.cli.options import _Parser
from core.errors import CoreError
from core.testing import fake_embedder  # noqa: F401  (registers --embedder fake, for tests and trying things out)

COMMANDS = (segment, sweep, curate, assign, explain, lookalike, refresh, track, search, users)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    parser = _Parser(prog="python -m core", description="Segment Studio from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.add_arguments(sub.add_parser(command.NAME, help=command.HELP))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit code."""
    args = build_parser().parse_args(argv)
    command = next(c for c in COMMANDS if args.command == c.NAME)
    try:
        return command.run(args)
    except CoreError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted.\n")
        return 130
