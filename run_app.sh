#!/usr/bin/env bash
# Set everything up (first time only) and start Segment Studio on http://localhost:8501, on this machine only.
# ./run_app.sh --network serves it to the network instead, and only when sign-in is configured (see README).
set -euo pipefail
cd "$(dirname "$0")"
address="127.0.0.1"
args=()
for arg in "$@"; do
  if [ "$arg" = "--network" ]; then address="0.0.0.0"; else args+=("$arg"); fi
done
scripts/setup.sh app
if [ "$address" != "127.0.0.1" ]; then
  .venv/bin/python -m ui.auth check
fi
exec .venv/bin/python -m ui.serve run app.py --server.address "$address" "${args[@]}" -- --demo
