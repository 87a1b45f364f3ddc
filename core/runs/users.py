"""The old entry point, kept working: ``python -m core.runs.users ARGS`` is ``python -m core users ARGS``.

The sign-in list itself is :mod:`core.auth.users`; this module only delegates to the command line, so it
sits in the command line's layer (see tests/unit/test_boundaries.py) and nothing imports it."""

import sys

from core.cli import main

if __name__ == "__main__":
    sys.exit(main(["users", *sys.argv[1:]]))
