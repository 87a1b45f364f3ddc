"""The Data page's optional section for recommendations: interactions and items uploads and their columns."""

from __future__ import annotations

import streamlit as st

from core.errors import CoreError
from ui.data import (UPLOAD_TYPES, default_interaction_columns, extra_table, forget_extra, set_interaction_columns,
                     use_extra_upload)
from ui.widgets import md

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
    columns = [str(c) for c in table.frame.columns]
    guess = default_interaction_columns(columns, users_id_col)
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
    if user_col == item_col:
        st.warning("The customer and item columns must differ.", icon=":material/error:")
        set_interaction_columns({})
    else:
        set_interaction_columns({"user_col": user_col, "item_col": item_col, "value_col": value_col,
                                 "time_col": time_col})
        st.caption("The next run on the Map page adds behaviour features and recommendations.")
    if st.button("Remove the interactions table", key="forget-interactions", icon=":material/close:"):
        forget_extra("interactions")
        st.rerun()
