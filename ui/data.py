"""The loaded table: uploads saved into the workspace, reading and role detection cached by content."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from core.behaviour import InteractionInputs
from core.cache import atomic_write_bytes
from core.demo import DEMO_PATH
from core.io import LoadedTable, load_table
from core.roles import ColumnInfo, detect_roles
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
def _roles(table_hash: str, _frame: pd.DataFrame) -> list[ColumnInfo]:
    return detect_roles(_frame)


def detected_roles(table: LoadedTable) -> list[ColumnInfo]:
    """Column roles detected on ``table``, cached by its content hash."""
    return _roles(table.content_hash, table.frame)


# Optional extra tables for recommendations: the interactions (one row per event) and the items.
EXTRA_KEY = "extra_tables"  # {"interactions" | "items": {"path", "name"}}
COLUMNS_KEY = "interaction_columns"  # {"user_col", "item_col", "value_col", "time_col"} chosen on the Data page


def use_extra_upload(kind: str, name: str, data: bytes) -> None:
    """Keep an uploaded interactions or items table in the workspace and remember it for this session."""
    st.session_state.setdefault(EXTRA_KEY, {})[kind] = {"path": str(save_upload(name, data)), "name": name}


def forget_extra(kind: str) -> None:
    st.session_state.get(EXTRA_KEY, {}).pop(kind, None)
    if kind == "interactions":
        st.session_state.pop(COLUMNS_KEY, None)


def extra_table(kind: str) -> LoadedTable | None:
    """The session's interactions or items table (cached per file), or None.

    Raises :class:`core.errors.InputError` when the file cannot be used.
    """
    entry = st.session_state.get(EXTRA_KEY, {}).get(kind)
    if not entry or not Path(entry["path"]).exists():
        return None
    path = Path(entry["path"])
    return _load(str(path), entry["name"], path.stat().st_mtime)


def _guess(columns: list[str], hints: tuple[str, ...]) -> str | None:
    return next((c for h in hints for c in columns if h in c.lower()), None)


def default_interaction_columns(columns: list[str], users_id_col: str | None) -> dict[str, str | None]:
    """First guesses for the interactions' columns: the users' id column name for the user, names for the rest."""
    user = users_id_col if users_id_col in columns else _guess(columns, ("user", "customer", "client", "id"))
    rest = [c for c in columns if c != user]
    item = _guess(rest, ("item", "product", "sku", "article")) or (rest[0] if rest else None)
    rest = [c for c in rest if c != item]
    return {"user_col": user or (columns[0] if columns else None), "item_col": item,
            "value_col": _guess(rest, ("amount", "value", "rating", "quantity", "qty", "price", "spend")),
            "time_col": _guess(rest, ("time", "date", "when", "ts"))}


def set_interaction_columns(columns: dict[str, str | None]) -> None:
    st.session_state[COLUMNS_KEY] = dict(columns)


def has_interactions() -> bool:
    """Whether this session has an interactions table with its columns chosen."""
    chosen = st.session_state.get(COLUMNS_KEY, {}).get("item_col")
    return bool(chosen and st.session_state.get(EXTRA_KEY, {}).get("interactions"))


def interaction_inputs() -> InteractionInputs | None:
    """What the Map page passes to the pipeline: the interactions with their chosen columns, or None.

    Raises :class:`core.errors.InputError` when a saved file cannot be read.
    """
    table = extra_table("interactions")
    columns = st.session_state.get(COLUMNS_KEY)
    if table is None or not columns or not columns.get("item_col"):
        return None
    return InteractionInputs(table=table, item_col=columns["item_col"], user_col=columns.get("user_col"),
                             value_col=columns.get("value_col"), time_col=columns.get("time_col"),
                             items=extra_table("items"))
