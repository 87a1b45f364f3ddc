"""Where pages find the workspace and the current run.

Session state holds ids only; the workspace on disk is the truth, so the URL (``?run=<id>``)
recovers a finished run after a browser refresh.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import streamlit as st

from core import SavedRun, load_run
from core.auth.users import folder_name
from core.errors import CoreError

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE_ENV = "SEGMENT_STUDIO_WORKSPACE"
EMBEDDER_ENV = "SEGMENT_STUDIO_EMBEDDER"  # the Map form's default embedder (tests set "fake")
RUN_KEY = "run_id"
DATASET_KEY = "dataset"  # {"path": ..., "name": ...} of the table loaded on the Data page
ROLES_KEY = "role_overrides"  # {content hash: {column: role}} chosen on the Data page
SESSION_KEY = "session_uid"
USER_KEY = "signed_in_user"  # the user-list name this session signed in with (ui/auth.py)


def signed_in_with_provider() -> bool:
    """Whether this browser signed in through an identity provider (``st.login``)."""
    return bool(st.user.get("is_logged_in"))


def current_user() -> str | None:
    """Who signed in: the user list's name or the identity provider's e-mail (``oidc:<subject>`` without one,
    which no user-list name can equal); None without sign-in."""
    if signed_in_with_provider():
        return str(st.user.get("email") or f"oidc:{st.user.get('sub')}")
    return st.session_state.get(USER_KEY)


def workspace_root() -> Path:
    """The workspace folder: $SEGMENT_STUDIO_WORKSPACE, else ./workspace beside app.py."""
    return Path(os.environ.get(WORKSPACE_ENV) or ROOT / "workspace")


def workspace() -> Path:
    """Where this session's uploads and runs live: the signed-in analyst's own ``users/<name>/`` folder
    of the workspace, or the workspace itself in single-user local mode (no sign-in configured)."""
    user = current_user()
    return workspace_root() / "users" / folder_name(user) if user else workspace_root()


def current_run_id() -> str | None:
    """The run the analyst is looking at: this session's, else the one named in the URL.

    The id is put back into the URL when a page switch dropped it, so a refresh keeps the run.
    """
    run_id = st.session_state.get(RUN_KEY) or st.query_params.get("run")
    if run_id:
        st.session_state[RUN_KEY] = run_id
        if st.query_params.get("run") != run_id:
            st.query_params["run"] = run_id
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


def run_version(folder: Path) -> float:
    """Changes whenever a file of the run folder is rewritten (a rename, a saved selection)."""
    return max((p.stat().st_mtime_ns for p in Path(folder).iterdir()), default=0) / 1e9


def current_run() -> SavedRun | None:
    """The current run read from disk (cached until one of its files changes), or None."""
    run_id = current_run_id()
    if not run_id:
        return None
    try:
        return _cached_run(str(workspace()), run_id, run_version(workspace() / "runs" / run_id))
    except (CoreError, OSError):
        set_current_run(None)
        return None


def session_uid() -> str:
    """A random id for this browser session: its uploads live under ``uploads/<session_uid>/``."""
    if SESSION_KEY not in st.session_state:
        st.session_state[SESSION_KEY] = uuid.uuid4().hex[:12]
    return st.session_state[SESSION_KEY]


def uploads_dir() -> Path:
    return workspace() / "uploads" / session_uid()


def current_dataset() -> dict | None:
    """The table this session loaded (``{"path", "name"}``), or None; the file must still exist."""
    dataset = st.session_state.get(DATASET_KEY)
    if dataset and not Path(dataset["path"]).exists():
        st.session_state.pop(DATASET_KEY, None)
        return None
    return dataset


def set_current_dataset(path: Path, name: str) -> None:
    st.session_state[DATASET_KEY] = {"path": str(path), "name": name}


def role_overrides(table_hash: str) -> dict[str, str]:
    """The analyst's role changes for the table with this content hash."""
    return dict(st.session_state.get(ROLES_KEY, {}).get(table_hash, {}))


def set_role_overrides(table_hash: str, overrides: dict[str, str]) -> None:
    st.session_state.setdefault(ROLES_KEY, {})[table_hash] = dict(overrides)


def default_embedder() -> str:
    """The embedder the Map form starts with: $SEGMENT_STUDIO_EMBEDDER, else auto."""
    return os.environ.get(EMBEDDER_ENV) or "auto"
