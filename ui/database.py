"""Databases in the app: "Connect a database" on the Data page (a connection from the user's secrets or a DuckDB
file, a table picker with row counts, a read-only query, a preview; the rows then become the loaded table like an
upload) and "Write to the database" on the Export page (recorded in the audit log). The URLs come from
``.streamlit/secrets.toml`` (``[connections.NAME] url = "…"``), so no password is typed, shown or logged."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import (
    IF_EXISTS,
    LoadedTable,
    SavedRun,
    SqlSource,
    SqlTarget,
    hash_ids,
    mask_url,
    parquet_bytes,
    table_counts,
    workspace_key,
    written_line,
)
from core.errors import CoreError
from core.tasks import publish, read_source
from ui.data import save_upload
from ui.export import membership
from ui.state import current_user, set_current_dataset, workspace, workspace_root
from ui.widgets import md

DUCKDB_FILE = "A DuckDB file on the server…"
LOCAL_USER = "local"  # who writes in single-user local mode (no sign-in configured), as for downloads
_READ_KEY = "db-read"  # the table read last on the Data page, until it is used or replaced


def connections() -> dict[str, str]:
    """The database URLs of the user's secrets: ``[connections.NAME] url = "…"`` → {NAME: url}."""
    try:
        configured = st.secrets.get("connections", {})
    except Exception:  # no secrets file at all
        return {}
    return {str(name): str(entry["url"]) for name, entry in configured.items()
            if hasattr(entry, "get") and entry.get("url")}


def choose_database(key: str) -> str | None:
    """A connection from the secrets, or a DuckDB file path typed in (it has no password); its URL or None."""
    known = connections()
    options = [*known, DUCKDB_FILE]
    name = st.selectbox("Database", options, key=f"{key}-connection",
                        format_func=lambda n: n if n == DUCKDB_FILE else f"{n} — {mask_url(known[n])}",
                        help="Connections come from .streamlit/secrets.toml ([connections.NAME] url = …), so "
                             "passwords are never typed here; see .streamlit/secrets.example.toml.")
    if name != DUCKDB_FILE:
        return known[name]
    path = st.text_input("DuckDB file", key=f"{key}-duckdb-path", placeholder="/data/shop.duckdb")
    return f"duckdb:///{Path(path.strip()).expanduser().resolve()}" if path.strip() else None


@st.cache_data(ttl=60, show_spinner="Listing the tables…")
def _tables(url: str) -> list[tuple[str, int]]:
    return table_counts(url)


def _use(table: LoadedTable) -> None:
    """Make the rows read the session's table, like an upload (kept in the workspace as Parquet)."""
    path = save_upload(f"{table.content_hash}.parquet", parquet_bytes(table.frame))
    set_current_dataset(path, table.name)
    st.session_state.pop(_READ_KEY, None)


def connect_section() -> None:
    """The Data page's "Connect a database" expander."""
    with st.expander("Connect a database", icon=":material/database:",
                     expanded=_READ_KEY in st.session_state):
        url = choose_database("db-read")
        if url is None:
            return
        try:
            tables = _tables(url)
        except CoreError as exc:
            st.error(md(exc.message), icon=":material/error:")
            return
        how = st.radio("Read", ["A table", "A query"], horizontal=True, key="db-read-how")
        if how == "A table":
            if not tables:
                st.info("This database has no tables.", icon=":material/info:")
                return
            counts = dict(tables)
            table = st.selectbox("Table", list(counts), key="db-read-table",
                                 format_func=lambda t: f"{t} ({counts[t]:,} rows)")
            source = SqlSource(url, table=table)
        else:
            query = st.text_area("Query (one SELECT; the connection is read-only)", key="db-read-query",
                                 placeholder="SELECT * FROM customers WHERE country = 'FR'")
            source = SqlSource(url, query=query)
        if st.button("Read the rows", icon=":material/download:", key="db-read-go"):
            bar = st.progress(0.0, text="Reading…")

            def report(_stage: str, fraction: float, message: str) -> None:
                bar.progress(min(fraction, 1.0), text=message)

            try:
                st.session_state[_READ_KEY] = read_source(source, report)
            except CoreError as exc:
                st.session_state.pop(_READ_KEY, None)
                st.error(md(exc.message), icon=":material/error:")
            bar.empty()
        read: LoadedTable | None = st.session_state.get(_READ_KEY)
        if read is not None:
            st.caption(md(read.describe()))
            st.dataframe(read.frame.head(20), hide_index=True, key="db-preview")
            st.button("Use this table", type="primary", icon=":material/check:", key="db-use", on_click=_use,
                      args=(read,))


def write_section(run: SavedRun, segment_ids: tuple[int, ...], ids_hashed: bool) -> None:
    """The Export page's "Write to the database": the export's segments table (the chosen segments, ids hashed when
    asked) to a table, atomically, with one audit line naming the table and the signed-in user."""
    run_id = run.run_id
    with st.expander("Write to the database", icon=":material/database_upload:"):
        url = choose_database("db-write")
        name = st.text_input("Table", value="segments", key="db-write-table")
        if_exists = st.radio("If the table exists", IF_EXISTS, horizontal=True, key="db-write-if-exists",
                             format_func={"fail": "stop", "replace": "replace it",
                                          "append-run": "append with a run_id"}.get)
        clicked = st.button("Write the segments", type="primary", icon=":material/upload:", key="db-write-go")
        if url is None or not clicked:
            return
        frame = membership(run, segment_ids)
        if ids_hashed:
            frame = frame.assign(id=hash_ids(frame["id"], workspace_key(workspace())))
        target = SqlTarget(url, name.strip(), if_exists, run_id if if_exists == "append-run" else "")
        try:
            written = publish(frame, target, audit_root=workspace_root(), user=current_user() or LOCAL_USER,
                              run_id=run_id, ids_hashed=ids_hashed)
            st.success(md(written_line(target, written)), icon=":material/check:")
        except CoreError as exc:
            st.error(md(exc.message), icon=":material/error:")
