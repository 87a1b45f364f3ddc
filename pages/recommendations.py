"""Recommendations: per-segment lists with their reasons, a customer lookup, and the held-out evaluation."""

import streamlit as st

from core import SHOP_ATTRIBUTION, SHOP_NAMES
from ui.figures import evaluation_figure
from ui.recommend import (
    LIST_TITLES,
    METHOD_WORDS,
    customer_lookup,
    evaluation_table,
    lists_follow_edits,
    segment_list,
    segments_changed,
)
from ui.widgets import PAGES, inside_app, md, need_run, segment_label

inside_app()
st.title("Recommendations")
run = need_run()
if run is None:
    st.stop()
if run.recommendations is None or run.evaluation is None:
    st.info("This run has no recommendations. On the Data page, upload an interactions table (one row per event: "
            "customer id, item id, optionally a value and a time) and, if you have one, an items table "
            "(item id, name, category); then run again on the Map page.", icon=":material/info:")
    st.page_link(PAGES["data"], label="Upload interactions on the Data page", icon=":material/table_chart:")
    st.stop()

if segments_changed(run) and lists_follow_edits(run):
    st.caption("The segments were edited (a selection saved or the run curated): the lists follow the edited "
               "segments; the evaluation below measured the segmentation as the run made it.")
elif segments_changed(run):
    st.warning("The segments were edited after this run made its recommendations (a selection saved or the run "
               "curated). The lists below are for the segmentation as the run first saved it; run again on the "
               "Map page for lists that follow the edited segments.", icon=":material/history:")

info = run.run_info.get("interactions", {})
if info.get("name") == SHOP_NAMES["interactions"]:
    st.info(SHOP_ATTRIBUTION, icon=":material/science:")
if info:
    st.caption(f"From {info.get('matched_events', 0):,} interactions of {info.get('customers_with_history', 0):,} "
               f"customers over {info.get('items', 0):,} items ({md(info.get('name', ''))}).")

st.subheader("Per segment")
profiles = [p for p in run.profiles if p["segment_id"] >= 0]
if not profiles:
    st.info("This run found no segments, so there are no segment lists.", icon=":material/info:")
else:
    labels = {segment_label(p): p["segment_id"] for p in profiles}
    chosen = st.selectbox("Segment", list(labels), key="rec-segment")
    for which, title in LIST_TITLES.items():
        st.markdown(f"**{title}**")
        frame = segment_list(run, labels[chosen], which)
        if frame.empty:
            st.caption("No item qualifies (too few members chose any item more than everyone else does)."
                       if which == "lift" else "No member of this segment chose anything.")
        else:
            st.dataframe(frame, hide_index=True, key=f"rec-list-{which}",
                         column_config={"reason": st.column_config.TextColumn("reason", width="large")})

st.subheader("Customer lookup")
ids = run.segments["id"].astype(str).tolist()
customer = st.selectbox("Customer id (type to search)", ids, index=None, key="rec-customer",
                        placeholder="Pick or type a customer id")
if customer is not None:
    mine, segment, segment_list_only = customer_lookup(run, customer)
    name = run.names.get(segment)
    where = f"segment {segment}: {md(name)}" if segment >= 0 and name else "no segment (unassigned)"
    if mine.empty:
        st.info(f"No item to recommend to this customer ({where}).", icon=":material/info:")
    else:
        if segment_list_only:
            st.info(f"In {where}. This is their segment's popular list: a customer without interactions "
                    "(cold start) gets exactly that.", icon=":material/ac_unit:")
        else:
            st.caption(f"In {where}. {METHOD_WORDS.get(run.evaluation.get('default', 'blend'), '')} Items they "
                       "already have are never recommended; the reason names what led to each item.")
        st.dataframe(mine, hide_index=True, key="rec-customer-list",
                     column_config={"reason": st.column_config.TextColumn("reason", width="large")})

st.subheader("How good are they? Evaluation on held-out interactions")
evaluation = run.evaluation
holdout = evaluation.get("holdout", {})
st.caption(f"Hidden: {md(holdout.get('by', ''))}. Each method recommended {evaluation.get('k')} items from the rest "
           f"for {evaluation.get('customers_evaluated', 0):,} customers and is scored on the hidden ones; coverage is "
           f"the share of the {evaluation.get('catalogue', 0):,}-item catalogue in anyone's list. "
           f"Segments: {md(evaluation.get('segments', ''))}.")
for note in evaluation.get("notes", []):
    st.caption(md(note))
if not evaluation.get("methods"):
    st.info(md(evaluation.get("note", "There is no evaluation for this run.")), icon=":material/info:")
else:
    st.dataframe(evaluation_table(evaluation), hide_index=True, key="rec-evaluation")
    st.plotly_chart(evaluation_figure(evaluation), key="rec-evaluation-chart", config={"displaylogo": False})
