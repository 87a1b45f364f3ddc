"""Widgets shared by the pages: error messages, empty states, the sidebar and the segment card."""

from __future__ import annotations

import re
import runpy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import pandas as pd
import streamlit as st

from core import Profile, SavedRun, Traits
from core.errors import CoreError
from ui.figures import numeric_traits_figure, shorten, words_figure
from ui.state import current_dataset, current_run, workspace

APP_SCRIPT = Path(__file__).resolve().parents[1] / "app.py"
PAGES = {
    "start": "pages/start.py", "data": "pages/data.py", "map": "pages/map.py",
    "segments": "pages/segments.py", "export": "pages/export.py", "runs": "pages/runs.py",
    "recommendations": "pages/recommendations.py", "changes": "pages/changes.py",
}


_IN_APP: ContextVar[bool] = ContextVar("in_app", default=False)


def run_page(page: st.Page) -> None:
    """app.py runs the page chosen by its navigation through here, so the page knows it runs inside the app."""
    token = _IN_APP.set(True)
    try:
        page.run()
    finally:
        _IN_APP.reset(token)


def inside_app() -> None:
    """Call first on every page: makes sure the page runs inside app.py (its sign-in, navigation and sidebar).

    When a fresh server's first visitor opens a page's URL directly, Streamlit 1.67 runs the pages/
    file on its own (its older multipage mode, chosen because a pages/ folder sits beside app.py)
    until some run calls ``st.navigation``. A page not run by :func:`run_page` runs app.py instead,
    as the root URL does: app.py signs the visitor in, its ``st.navigation`` leaves that mode for
    good and runs this page inside the app; the outer run then stops."""
    if not _IN_APP.get():
        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def md(text: object) -> str:
    """Data text made inert for the widgets that render Markdown (labels, captions, info boxes)."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


@contextmanager
def core_errors() -> Iterator[None]:
    """Show an expected failure of the core as one readable message instead of a traceback."""
    try:
        yield
    except CoreError as exc:
        st.error(md(exc.message), icon=":material/error:")


def need_run() -> SavedRun | None:
    """The current run, or an empty state that says how to get one (and None)."""
    run = current_run()
    if run is None:
        st.info("There is no segmentation yet. Load a table on the Data page, then run it on the Map page — "
                "or reopen a saved run on the Runs page.", icon=":material/info:")
        cols = st.columns(3)
        cols[0].page_link(PAGES["data"], label="Load data", icon=":material/table_chart:")
        cols[1].page_link(PAGES["map"], label="Run a segmentation", icon=":material/scatter_plot:")
        cols[2].page_link(PAGES["runs"], label="Saved runs", icon=":material/folder_open:")
    return run


def sidebar() -> None:
    """What this session is looking at: the loaded table and the current run, and where they live."""
    with st.sidebar:
        dataset = current_dataset()
        run = current_run()
        st.caption("Data")
        st.text(dataset["name"] if dataset else "none loaded")
        st.caption("Current run")
        if run is None:
            st.text("none yet")
        else:
            info = run.run_info
            st.text(f"{run.run_id}\n{info['input']['name']}\n"
                    f"{info['input']['customers']:,} customers · {info['quality']['n_segments']} segments")
        st.caption(f"Workspace: {md(workspace())}")


def segment_label(profile: Profile, markdown: bool = False) -> str:
    """'id: name (size)'; ``markdown=True`` for labels that render Markdown (expanders, tabs)."""
    name = md(profile["name"]) if markdown else profile["name"]
    if profile["segment_id"] < 0:
        return f"{name} ({profile['size']:,})"
    return f"{profile['segment_id']}: {name} ({profile['size']:,})"


def traits_body(profile: Traits, key: str, wide: bool = False) -> None:
    """Size, distinctive words, numbers, categories and representative members of a profile.

    ``wide`` puts the two charts side by side (for full-width cards).
    """
    c1, c2 = st.columns(2)
    c1.metric("Customers", f"{profile['size']:,}")
    c2.metric("Share", f"{profile['share']:.1%}")
    words_box, numbers_box = st.columns(2) if wide else (st.container(), st.container())
    with words_box:
        if profile.get("words"):
            st.plotly_chart(words_figure(profile["words"]), key=f"{key}-words", config={"displayModeBar": False})
        else:
            st.caption("No distinctive words (no text, or too few members).")
    with numbers_box:
        if profile.get("numeric"):
            st.plotly_chart(numeric_traits_figure(profile["numeric"][:8]), key=f"{key}-numbers",
                            config={"displayModeBar": False})
        if any("q_value" in r for r in profile.get("numeric", [])):
            st.caption("✱ significant after Benjamini–Hochberg correction (q < 0.05); faded bars are not. "
                       "Ranked by effect size.")
    if profile.get("categories"):
        st.caption("Over-represented categories, ranked by effect size")
        cats = pd.DataFrame(profile["categories"])
        columns = ["column", "value", "share", "share_all", "lift"] + (["q_value"] if "q_value" in cats else [])
        st.dataframe(cats[columns], hide_index=True, key=f"{key}-cats", column_config={
            "share": st.column_config.ProgressColumn("share here", format="percent", min_value=0.0, max_value=1.0),
            "share_all": st.column_config.NumberColumn("share overall", format="percent"),
            "lift": st.column_config.NumberColumn("lift", format="%.2f×"),
            "q_value": st.column_config.NumberColumn(
                "q (corrected p)", format="%.2g",
                help="Benjamini–Hochberg-corrected p-value; below 0.05 is significant."),
        })
    if profile.get("items"):
        st.caption("Items this segment chooses far more than everyone else (smoothed lift)")
        st.dataframe(pd.DataFrame(profile["items"]), hide_index=True, key=f"{key}-items")
    if profile.get("representatives"):
        st.caption("Representative members (closest to the centre)")
        reps = pd.DataFrame([{"id": r["id"], "text": shorten(r["text"], 300)} for r in profile["representatives"]])
        st.dataframe(reps, hide_index=True, key=f"{key}-reps")
