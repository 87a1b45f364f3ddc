#!/usr/bin/env bash
# Set everything up (first time only), lint (ruff) and type-check (mypy), then run the whole test suite:
# unit, pipeline, app and browser tests. Pytest options pass through: ./run_tests.sh -m "not slow" is the fast lane.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
