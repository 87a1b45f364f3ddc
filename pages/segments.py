"""Segments: quality and stability on top; a card per segment (rename, stability, traits with their
significance, members), two side by side, segments × traits, curation and a parameter sweep."""

import numpy as np
import streamlit as st

from core import tasks
from ui.figures import sizes_figure, traits_heatmap
from ui.levels import level_tree
from ui.lookalike import lookalike_toggle
from ui.segments import (
    curation_controls,
    quality_header,
    reassigned_note,
    stability_badge,
    sweep_panel,
)
from ui.state import workspace
from ui.widgets import (
    PAGES,
    core_errors,
    inside_app,
    md,
    need_run,
    segment_label,
    traits_body,
)

inside_app()
st.title("Segments")
run = need_run()
if run is None:
    st.stop()

profiles = run.profiles
segments = [p for p in profiles if p["segment_id"] >= 0]
st.caption(f"{len(segments)} segments of {run.run_info['input']['customers']:,} customers "
           f"from {md(run.run_info['input']['name'])} (run {run.run_id}). Names are yours to change.")

quality_header(run)
if run.parents:
    with st.expander(f"Segments within segments: {len([p for p in run.parents if p['segment_id'] >= 0])} parents",
                     expanded=True):
        level_tree(run)

cards, compare, overview, curate, settings = st.tabs(["Cards", "Side by side", "Overview", "Curate", "Sweep settings"])

with cards:
    for i, profile in enumerate(profiles):
        sid = profile["segment_id"]
        verdict = (profile.get("quality") or {}).get("verdict")
        label = segment_label(profile, markdown=True) + (f" · {verdict}" if verdict else "")
        with st.expander(label, expanded=i == 0):
            if sid >= 0:
                with st.form(f"rename-{sid}", border=False):
                    c1, c2 = st.columns([4, 1])
                    name = c1.text_input("Name", value=profile["name"], key=f"name-{sid}", max_chars=120)
                    c2.write("")
                    if c2.form_submit_button("Rename", key=f"rename-btn-{sid}"):
                        with core_errors():
                            tasks.curate(workspace(), run.run_id, tasks.Rename(sid, name))
                            st.rerun()
                stability_badge(profile)
                reassigned_note(run, sid)
            else:
                st.caption("Customers no segment claimed (HDBSCAN outliers). The Curate tab can give each "
                           "its nearest segment.")
            traits_body(profile, key=f"card-{sid}", wide=True)
            if sid >= 0:
                lookalike_toggle(run, np.flatnonzero(run.segments["segment_id"].to_numpy() == sid), key=f"look-{sid}")

with compare:
    if len(profiles) < 2:
        st.info("There is only one segment; nothing to compare.", icon=":material/info:")
    else:
        labels = {segment_label(p): p for p in profiles}
        names = list(labels)
        left, right = st.columns(2)
        with left:
            a = st.selectbox("Segment", names, index=0, key="compare-a")
            traits_body(labels[a], key="compare-a")
        with right:
            b = st.selectbox("Segment ", names, index=1, key="compare-b")
            traits_body(labels[b], key="compare-b")

with overview:
    st.plotly_chart(sizes_figure(profiles, run.names), key="sizes", config={"displayModeBar": False})
    if any(p["numeric"] for p in segments):
        st.plotly_chart(traits_heatmap(profiles), key="heatmap", config={"displayModeBar": False})
    else:
        st.caption("No numeric columns in this run, so there is no heatmap of numeric traits.")

with curate:
    curation_controls(run, workspace())

with settings:
    sweep_panel(run)

st.page_link(PAGES["export"], label="Next: download the segment lists", icon=":material/arrow_forward:")
