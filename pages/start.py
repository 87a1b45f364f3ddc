"""Start: what the app does, in two lines, and the two ways in."""

import streamlit as st

from core import DEMO_ATTRIBUTION, SHOP_ATTRIBUTION
from ui.data import use_demo
from ui.interactions import use_shop_demo
from ui.widgets import PAGES, inside_app

inside_app()
st.title("Segment Studio")
st.markdown(
    "Find the customer segments hidden in your data: free text, numbers and categories become one map.  \n"
    "Understand each segment through its profile, name it, and download the lists to act on."
)
left, right = st.columns(2)
if left.button("Upload your data", icon=":material/table_chart:", type="primary", width="stretch", key="start-upload"):
    st.switch_page(PAGES["data"])
if right.button("Open the demo", icon=":material/play_circle:", width="stretch", key="start-demo"):
    use_demo()
    st.switch_page(PAGES["map"])
st.caption(f"Demo data: {DEMO_ATTRIBUTION}")
if st.button("Open the shop demo, with purchases and recommendations", icon=":material/shopping_cart:",
             key="start-shop-demo"):
    use_shop_demo()
    st.switch_page(PAGES["map"])
st.caption(SHOP_ATTRIBUTION)

st.divider()
st.subheader("How it works")
cols = st.columns(4)
steps = [
    ("1 · Data", "Upload a CSV, Parquet or Excel table, one row per customer. Check the detected column roles."),
    ("2 · Map", "Run the pipeline: text embedding + numbers + categories → UMAP → HDBSCAN or KMeans."),
    ("3 · Segments", "Read each segment's profile, compare two side by side, give them names."),
    ("4 · Export", "Download the segment lists (CSV safe for Excel, Parquet) with the profiles and parameters."),
]
for col, (title, text) in zip(cols, steps, strict=False):
    with col.container(border=True):
        st.markdown(f"**{title}**")
        st.caption(text)
