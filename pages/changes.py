"""Changes: refresh a run on the next period's table; who moved, what grew, what emerged, what drifted."""

import pandas as pd
import streamlit as st

from core import list_refreshes
from ui.changes import CHOICE_KEY, read_refresh, refresh_upload, sources
from ui.data import UPLOAD_TYPES
from ui.figures import migration_sankey, sizes_over_periods_figure
from ui.state import workspace
from ui.widgets import PAGES, core_errors, inside_app, md

inside_app()
st.title("Changes")

st.subheader("Refresh a run on the next period")
choices = sources()
if not choices:
    st.info("No saved run to refresh yet. Run a segmentation on the Map page first.", icon=":material/info:")
    st.page_link(PAGES["map"], label="Run a segmentation", icon=":material/scatter_plot:")
    st.stop()
with st.form("changes-form"):
    source = st.selectbox("Run to refresh", list(choices), key="changes-source")
    upload = st.file_uploader("The next period's table (same columns)", type=UPLOAD_TYPES, key="changes-upload")
    submitted = st.form_submit_button("Refresh", icon=":material/update:", type="primary", key="changes-refresh")
if submitted:
    if upload is None:
        st.warning("Choose the next period's table first.", icon=":material/upload_file:")
    else:
        with core_errors():
            refresh_upload(choices[source], upload.getvalue(), upload.name)
            st.rerun()  # the new refresh joins the runs to refresh and is shown below

refreshes = list_refreshes(workspace())
if not refreshes:
    st.caption("Refresh a run above to see who moved, which segments grew or shrank, and what emerged.")
    st.stop()
st.subheader("What changed")
ids = [r["refresh_id"] for r in refreshes]
labels = {r["refresh_id"]: f"{r['refresh_id']} (period {r['period']}, {r['input']}, from {r['source']})"
          for r in refreshes}
if st.session_state.get(CHOICE_KEY) not in ids:
    st.session_state.pop(CHOICE_KEY, None)  # deleted meanwhile: the newest
choice = st.selectbox("Refresh", ids, format_func=lambda refresh_id: labels[refresh_id], key=CHOICE_KEY)
view = read_refresh(next(r["folder"] for r in refreshes if r["refresh_id"] == choice))
changes = view.changes
moved = sum(f["customers"] for f in changes["migration"] if f["from"] != f["to"])
m = st.columns(4)
m[0].metric("Moved segment", f"{moved:,}")
m[1].metric("New segments", len(changes["new_segments"]))
m[2].metric("Gone", f"{changes['gone']['count']:,}")
m[3].metric("Joined", f"{changes['joined']['count']:,}")
st.plotly_chart(migration_sankey(changes, view.names), key="changes-sankey")
if len(view.chain) > 1:
    st.plotly_chart(sizes_over_periods_figure(view.chain, view.names), key="changes-periods")
st.dataframe(view.sizes(), hide_index=True, key="changes-sizes")

st.subheader("New segments")
if not changes["new_segments"]:
    st.caption("No group of customers unlike the known segments was large enough to become a new segment.")
for new in changes["new_segments"]:
    with st.expander(md(f"New segment {new['segment_id']}: {new['name']} ({new['size']:,} customers)"), expanded=True):
        st.text("Words: " + ", ".join(new["words"]))
        st.dataframe(pd.DataFrame(new["numeric"] + new["categories"]), hide_index=True)

st.subheader("Drift inside the segments")
drift = view.drift()
if drift.empty:
    st.caption("No segment had enough members in both periods to compare.")
else:
    st.caption("The traits whose distribution moved most between a segment's members then and now: numbers by "
               "standardised difference, category values by Cohen's h; significant after Benjamini–Hochberg.")
    st.dataframe(drift, hide_index=True, key="changes-drift")
