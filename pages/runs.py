"""Runs: the saved runs in the workspace; reopen one or delete one."""

import pandas as pd
import streamlit as st

from core.store import delete_run, list_runs
from ui.state import current_run_id, set_current_run, workspace
from ui.widgets import PAGES, core_errors

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
