"""Segment Studio: page config, sign-in, navigation over pages/, and the shared sidebar. Nothing else."""

import sys

import streamlit as st

from ui.auth import admitted, sign_in_page, sign_out_button
from ui.data import start_on_demo
from ui.warmup import prefetch_table, start_warm_up
from ui.widgets import PAGES, run_page, sidebar

st.set_page_config(page_title="Segment Studio", page_icon=":material/hub:", layout="wide",
                   initial_sidebar_state="expanded")

# One st.Page per file in pages/; add a page by adding its file and one line here.
NAVIGATION = {
    "": [st.Page(PAGES["start"], title="Start", icon=":material/home:", default=True)],
    "Segment": [
        st.Page(PAGES["data"], title="Data", icon=":material/table_chart:"),
        st.Page(PAGES["map"], title="Map", icon=":material/scatter_plot:"),
        st.Page(PAGES["segments"], title="Segments", icon=":material/category:"),
        st.Page(PAGES["recommendations"], title="Recommendations", icon=":material/recommend:"),
        st.Page(PAGES["export"], title="Export", icon=":material/download:"),
    ],
    "Manage": [st.Page(PAGES["runs"], title="Runs", icon=":material/folder_open:"),
               st.Page(PAGES["changes"], title="Changes", icon=":material/update:")],
}

start_warm_up()  # model load and UMAP compilation off the critical path
signed_in = admitted()
page = st.navigation(NAVIGATION, position="sidebar" if signed_in else "hidden")
if not signed_in:
    sign_in_page()  # the form only, then the run stops: no page, no sidebar, no data
start_on_demo(sys.argv[1:])  # ./run_app.sh starts every new session on the bundled demo
prefetch_table()  # its texts embedded while the analyst reads the first pages
sidebar()
sign_out_button()
run_page(page)
