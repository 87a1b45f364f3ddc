"""The loaded table: uploads saved into the workspace, reading and role detection cached by content."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from core import DEMO_PATH, ColumnInfo, LoadedTable, atomic_write_bytes, load_table
from core.tasks import detected_roles as detect_roles
from ui.state import current_dataset, set_current_dataset, uploads_dir

UPLOAD_TYPES = ["csv", "tsv", "txt", "parquet", "pq", "xlsx"]


def save_upload(name: str, data: bytes) -> Path:
    """Keep the uploaded bytes in this session's upload folder, named by their content hash."""
    suffix = Path(name).suffix.lower()
    if suffix.lstrip(".") not in UPLOAD_TYPES:
        suffix = ".csv"
    path = uploads_dir() / f"{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, lambda tmp: tmp.write_bytes(data))
    return path


def use_upload(name: str, data: bytes) -> None:
    set_current_dataset(save_upload(name, data), name)


def use_demo() -> None:
    set_current_dataset(DEMO_PATH, DEMO_PATH.name)


def start_on_demo(argv: list[str]) -> None:
    """With ``--demo`` among the script's arguments (``./run_app.sh`` passes it), a new session starts
    with the bundled demo loaded; the analyst can replace it at any time."""
    if "--demo" in argv and not st.session_state.get("demo-offered"):
        st.session_state["demo-offered"] = True
        if current_dataset() is None:
            use_demo()


@st.cache_resource(max_entries=4, show_spinner="Reading the table…")
def _load(path: str, name: str, mtime: float) -> LoadedTable:
    return load_table(Path(path), name=name)


def loaded_table() -> LoadedTable | None:
    """The session's table read from disk (cached per file; treat it as read-only), or None.

    Raises :class:`core.errors.InputError` when the file cannot be used.
    """
    dataset = current_dataset()
    if not dataset:
        return None
    path = Path(dataset["path"])
    return _load(str(path), dataset["name"], path.stat().st_mtime)


@st.cache_data(max_entries=4, show_spinner=False)
def _roles(table_hash: str, _table: LoadedTable) -> list[ColumnInfo]:
    return detect_roles(_table)


def detected_roles(table: LoadedTable) -> list[ColumnInfo]:
    """Column roles detected on ``table``, cached by its content hash."""
    return _roles(table.content_hash, table)


ALLOW_PII_KEY = "allow_pii"  # {content hash: [column, ...]} personal-data columns the analyst opted in


def allowed_pii(table_hash: str) -> tuple[str, ...]:
    """Columns of the table with this content hash that look like personal data but may be used."""
    return tuple(st.session_state.get(ALLOW_PII_KEY, {}).get(table_hash, ()))


def set_allowed_pii(table_hash: str, columns: list[str]) -> None:
    st.session_state.setdefault(ALLOW_PII_KEY, {})[table_hash] = sorted(columns)
