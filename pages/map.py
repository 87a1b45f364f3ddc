"""Map: parameters and Run, progress per stage, the interactive map, a clicked customer's explanation, a lasso
selection's profile and lookalikes, the customer lookup and lookalikes of an uploaded id list."""

import numpy as np
import pandas as pd
import streamlit as st

from core import save_selection_as_segment, selection_profile, selection_rows
from core.errors import CoreError
from ui.data import loaded_table
from ui.explain import customer_card, customer_lookup
from ui.figures import MAX_MAP_POINTS
from ui.interactions import has_interactions, interaction_inputs
from ui.levels import drill_into, drilled_map
from ui.lookalike import lookalike_toggle, lookalikes_of_a_list
from ui.map import cached_map, colour_options, parameters_form
from ui.run import run_and_save
from ui.search import lit, search_box, search_results
from ui.state import (
    current_dataset,
    current_run,
    role_overrides,
    run_version,
    workspace,
)
from ui.widgets import PAGES, core_errors, inside_app, md, traits_body

inside_app()
st.title("Map")

dataset = current_dataset()
run = current_run()
if dataset is None:
    if run is None:
        st.info("Load a table first: upload one on the Data page or open the demo.", icon=":material/info:")
        st.page_link(PAGES["data"], label="Go to the Data page", icon=":material/table_chart:")
        st.stop()
    st.caption("Showing a saved run. To run again, load its table on the Data page.")
else:
    table = None
    with core_errors():
        table = loaded_table()
    if table is not None:
        st.caption(f"Data: {md(table.describe())}")
        with st.expander("Parameters", expanded=run is None):
            form = parameters_form(role_overrides(table.content_hash), behaviour=has_interactions())
        if form.submitted:
            try:
                run_and_save(table, form.params, interaction_inputs(), form.recommend)
                st.session_state["map-generation"] = st.session_state.get("map-generation", 0) + 1
                st.rerun()
            except CoreError as exc:
                st.error(md(exc.message), icon=":material/error:")

if run is None:
    st.info("Choose the parameters above (the defaults are a good start) and press Run.", icon=":material/info:")
    st.stop()

info = run.run_info
q = info["quality"]
m = st.columns(4)
m[0].metric("Customers", f"{info['input']['customers']:,}")
m[1].metric("Segments", f"{q['n_segments']} › {info['levels']['segments']}" if "levels" in info else q["n_segments"],
            help="parents › the segments inside them" if "levels" in info else None)
m[2].metric("Unassigned", f"{q['outlier_share']:.1%}")
m[3].metric("Silhouette", "—" if q.get("silhouette") is None else f"{q['silhouette']:.2f}")
if info.get("population"):  # made on Ray: the map is the fitting sample
    st.info(info["notices"][0], icon=":material/scatter_plot:")
if info.get("notices"):
    with st.expander(f"Notes from this run ({len(info['notices'])})"):
        for notice in info["notices"]:
            st.text(notice)


@st.fragment
def interactive_map() -> None:
    """Colouring and selecting re-run only this fragment, never the pipeline."""
    run = current_run()
    if run is None:
        return
    parent = drill_into(run)
    if parent is None:
        colour = st.selectbox("Colour by", colour_options(run), key="map-colour")
        fig, drawn = cached_map(run, run_version(run.folder), colour)
    else:
        fig, drawn = drilled_map(run, run_version(run.folder), parent)
    found = search_box(run)
    fig = lit(fig, run, found)
    if drawn < len(run.segments):
        st.caption(f"Showing a seeded sample of {drawn:,} of {len(run.segments):,} customers "
                   f"(the browser draws at most {MAX_MAP_POINTS:,}); profiles and exports use everyone.")
    three_d = "z" in run.segments.columns
    chart_key = f"map-{run.run_id}-{st.session_state.get('map-generation', 0)}"
    chart_config = {"displaylogo": False, "scrollZoom": True}
    if three_d:
        st.plotly_chart(fig, key=chart_key, on_select="ignore", selection_mode=("lasso", "box"),
                        config=chart_config)
        st.caption("Drag to turn the 3-D map. Lasso and box selection work on the 2-D map.")
        search_results(run, found)
        return
    event = st.plotly_chart(fig, key=chart_key, on_select="rerun", selection_mode=("points", "lasso", "box"),
                            config=chart_config)
    search_results(run, found)
    rows = selection_rows(event.selection.points) if event and event.selection else []
    if not rows:
        st.caption("Click a point to see why that customer is in their segment. Pick the lasso or the box in the map's "
                   "toolbar and draw around points to see who they are, save them as a segment or find their "
                   "lookalikes.")
        return
    if len(rows) == 1:
        customer_card(run, rows[0], key="clicked")
        return
    st.subheader(f"Selection: {len(rows):,} customers")
    try:
        profile = selection_profile(run, rows)
    except CoreError as exc:
        st.error(md(exc.message), icon=":material/error:")
        return
    left, right = st.columns([2, 1])
    with left:
        traits_body(profile, key="selection")
    with right:
        st.caption("Where they are now")
        st.dataframe(pd.DataFrame(profile["segments"])[["count", "segment_name"]], hide_index=True,
                     key="selection-segments", column_config={"segment_name": "segment"})
        with st.form("save-selection", border=True):
            name = st.text_input("Name for a new segment", key="selection-name", max_chars=120)
            if st.form_submit_button("Save as a segment", icon=":material/save:", key="selection-save"):
                with core_errors():
                    new_id = save_selection_as_segment(workspace(), run.run_id, rows, name)
                    st.session_state["map-generation"] = st.session_state.get("map-generation", 0) + 1
                    st.toast(f"Saved segment {new_id}: {md(name)}")
                    st.rerun()
    lookalike_toggle(run, np.asarray(rows), key="selection", label="Find lookalikes of the selection")


interactive_map()
customer_lookup(run)
lookalikes_of_a_list(run)
st.page_link(PAGES["segments"], label="Next: read the segments' profiles", icon=":material/arrow_forward:")
