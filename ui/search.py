"""The Map page's search box: a query lights its matches on the map (the others greyed); below the map the ranked
matches with their snippets and segments, how they spread over the segments, "Save as a segment", lookalikes of
the matches and a formula-safe download (ids optionally hashed)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core import SavedRun, csv_bytes, hash_ids, save_selection_as_segment, workspace_key
from core.errors import CoreError
from core.schema import declared
from core.tasks.search import SearchableRun, SearchParams, SearchResult, search, searchable
from ui.downloads import offer_download
from ui.explain import people_of
from ui.lookalike import lookalike_toggle
from ui.params import declared_input
from ui.search_figures import hover_label, lit_map, spread_figure
from ui.state import run_version, workspace
from ui.widgets import md


@st.cache_resource(max_entries=2, show_spinner="Opening the run for search…")
def _searchable(folder: str, version: float, _run: SavedRun) -> SearchableRun:
    return searchable(people_of(_run), _run.folder, workspace())


@st.cache_data(max_entries=32, show_spinner="Searching…")
def _search(folder: str, version: float, query: str, top: int, _run: SavedRun) -> SearchResult:
    return search(_searchable(folder, version, _run), query, top)


def search_box(run: SavedRun) -> SearchResult | None:
    """The query and the number of matches; the result (None without a query, or after a refusal shown)."""
    left, right = st.columns([4, 1])
    with left:
        query = st.text_input("Search what customers wrote", key="search-query", max_chars=500,
                              placeholder="e.g. runs small · itchy fabric · 物流太慢",
                              help="Finds customers by meaning and by words, in any language the embedders read "
                                   "(an English query finds Chinese texts too); matched words are marked.")
    with right:
        top = declared_input(declared(SearchParams)["top"], SearchParams.top, "search-top")
    if not query.strip():
        return None
    try:
        return _search(str(run.folder), run_version(run.folder), query.strip(), int(top), run)
    except CoreError as exc:
        st.error(md(exc.message), icon=":material/error:")
        return None


def lit(fig: go.Figure, run: SavedRun, found: SearchResult | None) -> go.Figure:
    """The map with the matches lit and everyone else greyed (the map as it is without a search)."""
    if found is None:
        return fig
    coords = run.segments[[c for c in ("x", "y", "z") if c in run.segments.columns]].to_numpy(np.float32)
    hover = [hover_label(str(m.id), str(m.segment_name), str(m.snippet)) for m in found.matches.itertuples()]
    return lit_map(fig, coords, found.rows, hover)


def search_results(run: SavedRun, found: SearchResult | None) -> None:
    """The ranked matches, their spread over the segments, saving them as a segment, their lookalikes, the CSV."""
    if found is None:
        return
    query = st.session_state.get("search-query", "").strip()
    st.subheader(f"Matches: {len(found.matches):,}")
    st.caption(f"Ranked by meaning ({found.model}) and words; the matched words are marked **like this**.")
    left, right = st.columns([2, 1])
    with left:
        st.dataframe(found.matches, hide_index=True, key="search-matches",
                     column_config={"snippet": st.column_config.TextColumn("snippet", width="large")})
    with right:
        st.caption("How the matches spread over the segments")
        st.plotly_chart(spread_figure(found.spread), key="search-spread", config={"displayModeBar": False})
        with st.form("save-search", border=True):
            name = st.text_input("Name for a new segment", value=query[:120], key="search-name", max_chars=120)
            if st.form_submit_button("Save as a segment", icon=":material/save:", key="search-save"):
                try:
                    new_id = save_selection_as_segment(workspace(), run.run_id, found.rows, name)
                except CoreError as exc:
                    st.error(md(exc.message), icon=":material/error:")
                else:
                    st.session_state["map-generation"] = st.session_state.get("map-generation", 0) + 1
                    st.toast(f"Saved segment {new_id}: {md(name)}")
                    st.rerun()
    hashed = st.toggle("Hash customer ids", key="search-hash",
                       help="Replaces every id by a keyed hash with this workspace's secret key, as the Export page "
                            "does.")
    matches = found.matches
    if hashed:
        matches = matches.assign(id=hash_ids(matches["id"], workspace_key(workspace())))
    offer_download(f"Matches of {len(matches):,} (CSV)", csv_bytes(matches),
                   f"search-{run.run_id}{'-hashed-ids' if hashed else ''}.csv", "text/csv", key="search-download")
    lookalike_toggle(run, found.rows, key="search", label="Find lookalikes of the matches")
