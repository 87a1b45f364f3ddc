"""Where pages find the workspace and the current run.

Session state holds ids only; the workspace on disk is the truth, so the URL (``?run=<id>``)
recovers a finished run after a browser refresh.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from core.errors import CoreError
from core.store import SavedRun, load_run

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE_ENV = "SEGMENT_STUDIO_WORKSPACE"
RUN_KEY = "run_id"


def workspace() -> Path:
    """The workspace folder: $SEGMENT_STUDIO_WORKSPACE, else ./workspace beside app.py."""
    return Path(os.environ.get(WORKSPACE_ENV) or ROOT / "workspace")


def current_run_id() -> str | None:
    """The run the analyst is looking at: this session's, else the one named in the URL."""
    run_id = st.session_state.get(RUN_KEY) or st.query_params.get("run")
    if run_id:
        st.session_state[RUN_KEY] = run_id
    return run_id


def set_current_run(run_id: str | None) -> None:
    """Make ``run_id`` the current run and put it in the URL."""
    if run_id:
        st.session_state[RUN_KEY] = run_id
        st.query_params["run"] = run_id
    else:
        st.session_state.pop(RUN_KEY, None)
        st.query_params.pop("run", None)


@st.cache_resource(max_entries=4, show_spinner=False)
def _cached_run(folder: str, run_id: str, version: float) -> SavedRun:
    return load_run(Path(folder), run_id)


def current_run() -> SavedRun | None:
    """The current run read from disk (cached until one of its files changes), or None."""
    run_id = current_run_id()
    if not run_id:
        return None
    try:
        folder = workspace() / "runs" / run_id
        version = max((p.stat().st_mtime for p in folder.iterdir()), default=0.0)
        return _cached_run(str(workspace()), run_id, version)
    except (CoreError, OSError):
        set_current_run(None)
        return None
