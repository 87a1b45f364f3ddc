#!/usr/bin/env bash
# Set everything up (first time only) and run the whole test suite: unit, pipeline, app and browser tests.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
