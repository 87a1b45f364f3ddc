"""The Data page's optional section for recommendations: interactions and items uploads and their columns.

The uploads are saved in the session's upload folder like the customers table; the chosen columns
live in session state, where the Map page reads them (:func:`interaction_inputs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import streamlit as st

import core
from core import TIME_UNIT, InteractionInputs, LoadedTable, guess_interaction_columns, load_table
from core.errors import CoreError
from ui.data import UPLOAD_TYPES, save_upload
from ui.params import declared_input
from ui.state import set_current_dataset
from ui.widgets import md

# Optional extra tables for recommendations: the interactions (one row per event) and the items.
EXTRA_KEY = "extra_tables"  # {"interactions" | "items": {"path", "name"}}
#: {"user_col", "item_col", "value_col", "time_col", "time_unit"} chosen on the Data page
COLUMNS_KEY = "interaction_columns"


def use_extra_upload(kind: str, name: str, data: bytes) -> None:
    """Keep an uploaded interactions or items table in the workspace and remember it for this session."""
    st.session_state.setdefault(EXTRA_KEY, {})[kind] = {"path": str(save_upload(name, data)), "name": name}


def use_shop_demo() -> None:
    """Load the synthetic shop demo: its customers as the table, its purchases and products with their columns."""
    set_current_dataset(core.SHOP_CUSTOMERS, core.SHOP_NAMES["customers"])
    st.session_state[EXTRA_KEY] = {
        "interactions": {"path": str(core.SHOP_PURCHASES), "name": core.SHOP_NAMES["interactions"]},
        "items": {"path": str(core.SHOP_PRODUCTS), "name": core.SHOP_NAMES["items"]}}
    set_interaction_columns(core.SHOP_COLUMNS)


def forget_extra(kind: str) -> None:
    st.session_state.get(EXTRA_KEY, {}).pop(kind, None)
    if kind == "interactions":
        st.session_state.pop(COLUMNS_KEY, None)


@st.cache_resource(max_entries=4, show_spinner="Reading the table…")
def _load_extra(path: str, name: str, mtime: float) -> LoadedTable:
    return load_table(Path(path), name=name)


def extra_table(kind: str) -> LoadedTable | None:
    """The session's interactions or items table (cached per file), or None.

    Raises :class:`core.errors.InputError` when the file cannot be used.
    """
    entry = st.session_state.get(EXTRA_KEY, {}).get(kind)
    if not entry or not Path(entry["path"]).exists():
        return None
    path = Path(entry["path"])
    return _load_extra(str(path), entry["name"], path.stat().st_mtime)


def set_interaction_columns(columns: Mapping[str, str | None]) -> None:
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
                             items=extra_table("items"), time_unit=columns.get("time_unit") or "auto")


_NONE = "(none)"


def _uploader(kind: str, label: str, help_text: str) -> None:
    upload = st.file_uploader(label, type=UPLOAD_TYPES, key=f"upload-{kind}", help=help_text)
    if upload is not None and st.session_state.get(f"upload-{kind}-saved") != upload.file_id:
        use_extra_upload(kind, upload.name, upload.getvalue())
        st.session_state[f"upload-{kind}-saved"] = upload.file_id


def _pick(label: str, columns: list[str], default: str | None, key: str, optional: bool) -> str | None:
    options = ([_NONE] if optional else []) + columns
    index = options.index(default) if default in options else 0
    choice = st.selectbox(label, options, index=index, key=key)
    return None if choice == _NONE else choice


def interactions_section(users_id_col: str | None) -> None:
    """Upload an interactions table (and an items table) and choose the interactions' columns.

    The choice is kept in the session, so the Map page's run adds behaviour features and recommendations.
    """
    st.subheader("Interactions and items (optional)")
    st.caption("For behaviour features and recommendations: what customers did (one row per event: customer id, "
               "item id, optionally a value such as a rating or an amount and a time) and, optionally, the items "
               "(item id, name, category, price).")
    left, right = st.columns(2)
    with left:
        _uploader("interactions", "Interactions table", "One row per event. The file is kept in your workspace.")
    with right:
        _uploader("items", "Items table", "One row per item, with the same item id column name as the interactions.")
    try:
        table, items = extra_table("interactions"), extra_table("items")
    except CoreError as exc:
        st.error(md(exc.message), icon=":material/error:")
        return
    if items is not None:
        st.caption(f"Items: {md(items.describe())}")
        if st.button("Remove the items table", key="forget-items", icon=":material/close:"):
            forget_extra("items")
            st.rerun()
    if table is None:
        return
    st.caption(f"Interactions: {md(table.describe())}")
    if table.name == core.SHOP_NAMES["interactions"]:
        st.caption(core.SHOP_ATTRIBUTION)
    columns = [str(c) for c in table.frame.columns]
    guess = guess_interaction_columns(columns, users_id_col)
    suffix = table.content_hash[:8]
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        user_col = _pick("Customer id column", columns, guess["user_col"], f"i-user-{suffix}", optional=False)
    with c2:
        item_col = _pick("Item id column", columns, guess["item_col"], f"i-item-{suffix}", optional=False)
    with c3:
        value_col = _pick("Value column", columns, guess["value_col"], f"i-value-{suffix}", optional=True)
    with c4:
        time_col = _pick("Time column", columns, guess["time_col"], f"i-time-{suffix}", optional=True)
        time_unit = declared_input(TIME_UNIT, "auto", f"i-time-unit-{suffix}", radio_max=0) if time_col else "auto"
    if user_col == item_col:
        st.warning("The customer and item columns must differ.", icon=":material/error:")
        set_interaction_columns({})
    else:
        set_interaction_columns({"user_col": user_col, "item_col": item_col, "value_col": value_col,
                                 "time_col": time_col, "time_unit": time_unit})
        st.caption("The next run on the Map page adds behaviour features and recommendations.")
    if st.button("Remove the interactions table", key="forget-interactions", icon=":material/close:"):
        forget_extra("interactions")
        st.rerun()
