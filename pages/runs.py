"""Runs: the saved runs in the workspace; reopen, delete, compare two, and assign new customers with one."""

import pandas as pd
import streamlit as st

from core import MAX_FILE_BYTES, delete_run, list_runs
from core.errors import CoreError
from ui.audit import audited_download
from ui.data import UPLOAD_TYPES
from ui.figures import overlap_figure
from ui.runs import assign_upload, comparison, current_assignment
from ui.state import current_run_id, set_current_run, workspace
from ui.widgets import PAGES, core_errors, inside_app, md

inside_app()
st.title("Runs")
runs = list_runs(workspace())
if not runs:
    st.info("No saved runs yet. Every segmentation you run on the Map page is saved here.", icon=":material/info:")
    st.page_link(PAGES["map"], label="Run a segmentation", icon=":material/scatter_plot:")
    st.stop()

current = current_run_id()
frame = pd.DataFrame(runs)
frame.insert(0, "current", frame["run_id"] == current)
st.dataframe(frame, hide_index=True, key="runs-table")

ids = [r["run_id"] for r in runs]
choice = st.selectbox("Run", ids, index=ids.index(current) if current in ids else 0, key="runs-choice")
c1, c2, c3 = st.columns([1, 1, 2])
if c1.button("Open", icon=":material/folder_open:", type="primary", key="runs-open"):
    set_current_run(choice)
    st.switch_page(PAGES["map"])
confirm = c3.checkbox("Yes, delete it for good", key="runs-confirm")
if c2.button("Delete", icon=":material/delete:", key="runs-delete", disabled=not confirm):
    with core_errors():
        delete_run(workspace(), choice)
        if choice == current:
            set_current_run(None)
        st.session_state.pop("runs-confirm", None)
        st.rerun()

st.subheader("Compare two runs")
if len(ids) < 2:
    st.caption("Save a second run (other parameters, or the same table again) to compare how their segments agree.")
else:
    left, right = st.columns(2)
    run_a = left.selectbox("Run A", ids, index=0, key="compare-a")
    run_b = right.selectbox("Run B", ids, index=1, key="compare-b")
    if run_a == run_b:
        st.caption("Choose two different runs.")
    else:
        try:
            result = comparison(run_a, run_b)
        except CoreError as exc:  # e.g. runs of different tables: an explanation, not a failure
            st.warning(md(exc.message), icon=":material/compare_arrows:")
        else:
            m = st.columns(3)
            m[0].metric("Customers in both", f"{result['customers']:,}")
            m[1].metric("Adjusted Rand index", f"{result['ari']:.2f}")
            m[2].metric("Normalised mutual information", f"{result['nmi']:.2f}")
            st.caption("Both are 1 when the runs group the shared customers identically (whatever the segment "
                       "numbers) and about 0 when the groupings are unrelated. Each cell below counts the customers "
                       "in segment A (row) and segment B (column).")
            st.plotly_chart(overlap_figure(result), key="compare-overlap", config={"displaylogo": False})

st.subheader("Assign new customers")
assignable = [r["run_id"] for r in runs if r["assignable"]]
if not assignable:
    st.caption("None of the saved runs keeps an assignment model; run a segmentation again to get one.")
    st.stop()
st.caption(f"Upload a table with the same columns as the one a run segmented (CSV, Parquet or Excel, up to "
           f"{MAX_FILE_BYTES // 2**20} MB): each customer gets the segment of the most similar customers of that "
           "run. Runs embedded with the lexical embedder cannot assign (their embedding fits their own texts).")
with st.form("assign", border=True):
    run_id = st.selectbox("Run", assignable, index=assignable.index(current) if current in assignable else 0,
                          key="assign-run")
    upload = st.file_uploader("New customers", type=UPLOAD_TYPES, key="assign-upload")
    submitted = st.form_submit_button("Assign", icon=":material/call_split:", type="primary", key="assign-go")
if submitted:
    if upload is None:
        st.warning("Choose a file with the new customers first.", icon=":material/upload_file:")
    else:
        with core_errors():
            assign_upload(run_id, upload.name, upload.getvalue())

assigned = current_assignment()
if assigned is not None:
    st.caption(f"{md(assigned.name)} assigned with run {assigned.run_id}.")
    if assigned.notices:
        st.info("While reading: " + " ".join(f"({i}) {md(n)}" for i, n in enumerate(assigned.notices, 1)),
                icon=":material/info:")
    m1, m2 = st.columns(2)
    m1.metric("Customers assigned", f"{len(assigned.segments):,}")
    m2.metric("Unassigned", f"{int(assigned.segments['outlier'].sum()):,}")
    st.dataframe(assigned.counts, hide_index=True, key="assign-counts", column_config={
        "segment_name": "segment", "share": st.column_config.ProgressColumn("share", format="percent",
                                                                            min_value=0.0, max_value=1.0)})
    audited_download("Assigned segments (CSV)", assigned.csv, f"segments-assigned-{assigned.run_id}.csv", "text/csv",
                     run_id=assigned.run_id, rows=len(assigned.segments), ids_hashed=False, key="assign-download",
                     primary=True)
    st.caption("Preview (the same columns as the command line's segments.csv)")
    st.dataframe(assigned.segments.head(100), hide_index=True, key="assign-preview")
