"""The command line: ``python -m core segment|sweep|curate|assign``."""

from core.cli.commands import main

__all__ = ["main"]
