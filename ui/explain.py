"""The customer lookup and the explanation card: why a customer is in their segment, and who is like them there."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import Explainer, SavedRun, SegmentedCustomers, json_text, rows_of
from core.errors import CoreError
from core.tasks import explainer
from ui.downloads import offer_download
from ui.figures import reasons_figure
from ui.state import run_version, workspace
from ui.widgets import md


@st.cache_resource(max_entries=2, show_spinner="Reading the run's feature matrix…")
def _explainer(folder: str, version: float, _run: SavedRun) -> Explainer:
    return explainer(_run, workspace())


def explainer_of(run: SavedRun) -> Explainer:
    """The run's customers with their features, ready to explain (kept per run version; a CoreError for runs saved
    without their feature matrix)."""
    return _explainer(str(run.folder), run_version(run.folder), run)


def people_of(run: SavedRun) -> SegmentedCustomers:
    """The run's customers as explanations and lookalikes read them."""
    return explainer_of(run).people


def customer_card(run: SavedRun, row: int, key: str) -> None:
    """The explanation of the customer at ``row``: segment, runner-up and margin, the reasons chart and sentences,
    their text and the most similar members."""
    try:
        explainer = explainer_of(run)
    except CoreError as exc:
        st.info(md(exc.message), icon=":material/info:")
        return
    found = explainer.explain(int(row))
    st.markdown(f"**Customer {md(found['id'])}**")
    other = md(found["runner_up_name"]) if found["runner_up_name"] else "no other segment"
    if found["segment_id"] >= 0:
        st.markdown(f"In **{md(found['segment_name'])}** rather than the runner-up, {other}.")
    else:
        st.markdown(f"**Unassigned**; the nearest segment is {other}.")
    cols = st.columns(3)
    cols[0].metric("Membership", f"{found['membership']:.2f}")
    cols[1].metric("Margin", "—" if found["margin"] is None else f"{found['margin']:.2f}",
                   help="How much nearer their own segment's centre is than the runner-up's, in the run's feature "
                        "space: (d_runner-up − d_own) / the larger of the two. 1 at their centre, 0 halfway, "
                        "below 0 nearer the runner-up's.")
    cols[2].metric("Reasons", f"{len(found['reasons'])}",
                   help="Columns ranked by how much each pulls the customer towards their own segment's centre "
                        "rather than the runner-up's; their parts add up to the whole gap.")
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(reasons_figure(found), key=f"{key}-reasons", config={"displayModeBar": False})
    with right:
        st.caption("Reasons, strongest first")
        for reason in found["reasons"][:6]:
            st.text(reason["sentence"])
    text = explainer.people.texts[int(row)]
    if text:
        st.caption("Their text")
        st.text(" ".join(text.split())[:600])
    if found["similar_members"]:
        st.caption("The most similar members of the segment")
        st.dataframe(pd.DataFrame(found["similar_members"]), hide_index=True, key=f"{key}-similar")
    offer_download("Explanation (JSON)", json_text([found]).encode("utf-8"),
                   f"explanation-{run.run_id}-{row}.json", "application/json", key=f"{key}-download")


def _pick_to_id(typical: dict[str, str]) -> None:
    """Put the picked member's id into the id box (the box is what the lookup reads)."""
    picked = st.session_state.get("lookup-pick")
    if picked in typical:
        st.session_state["lookup-id"] = typical[picked]


@st.fragment
def customer_lookup(run: SavedRun) -> None:
    """Type a customer id, or pick one of each segment's typical members; their explanation card follows."""
    st.subheader("Customer lookup")
    typical = {f"{member['id']} · {profile['name']}": str(member["id"]) for profile in run.profiles
               for member in profile.get("representatives", [])}
    typed, picked = st.columns([2, 3])
    with picked:
        st.selectbox("Or pick a typical member", list(typical), index=None, key="lookup-pick", on_change=_pick_to_id,
                     args=(typical,), placeholder="Each segment's most typical members")
    with typed:
        choice = st.text_input("Customer id", key="lookup-id", max_chars=500,
                               placeholder="Type an id (or click a point on the map)")
    if not choice.strip():
        return
    try:  # the run's feature matrix is read on the first lookup, not when the page opens
        rows, _ = rows_of(people_of(run), [choice.strip()], "ids to look up")
    except CoreError as exc:
        st.error(md(exc.message), icon=":material/error:")
        return
    customer_card(run, int(rows[0]), key="lookup")
