"""Segment Studio: page config, navigation over pages/, and the shared sidebar. Nothing else."""

import streamlit as st

from ui.widgets import PAGES, sidebar

st.set_page_config(page_title="Segment Studio", page_icon="🧭", layout="wide", initial_sidebar_state="expanded")

# One st.Page per file in pages/; add a page by adding its file and one line here.
NAVIGATION = {
    "": [st.Page(PAGES["start"], title="Start", icon="🏠", default=True)],
    "Segment": [
        st.Page(PAGES["data"], title="Data", icon="📄"),
        st.Page(PAGES["map"], title="Map", icon="🗺️"),
        st.Page(PAGES["segments"], title="Segments", icon="🧩"),
        st.Page(PAGES["export"], title="Export", icon="⬇️"),
    ],
    "Manage": [st.Page(PAGES["runs"], title="Runs", icon="🗂️")],
}

page = st.navigation(NAVIGATION)
sidebar()
page.run()
