#!/usr/bin/env bash
# Set everything up (first time only) and start Segment Studio on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh app
exec .venv/bin/python -m streamlit run app.py "$@" -- --demo
