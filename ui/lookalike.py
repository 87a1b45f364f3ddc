"""'Find lookalikes' for a map selection, a segment or an uploaded id list: size slider with the curve, preview and
a formula-safe download (ids optionally hashed)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from core import (
    LOOKALIKE_NOTES,
    LOOKALIKE_SIZE,
    LookalikeParams,
    SavedRun,
    csv_bytes,
    hash_ids,
    read_ids,
    rows_of,
    workspace_key,
)
from core.errors import CoreError
from core.schema import declared
from core.tasks import find_lookalikes
from ui.downloads import offer_download
from ui.explain import people_of
from ui.figures import audience_curve_figure, shorten
from ui.params import declared_input
from ui.state import run_version, workspace
from ui.widgets import md

PREVIEW_ROWS = 20


@st.cache_data(max_entries=16, show_spinner="Scoring every customer…")
def _scores(folder: str, version: float, seeds_key: str, method: str, _run: SavedRun, _seeds: np.ndarray) -> np.ndarray:
    return find_lookalikes(people_of(_run), _seeds, LookalikeParams(method=method)).scores


def scores_for(run: SavedRun, seeds: np.ndarray, params: LookalikeParams) -> np.ndarray:
    """Every customer's likeness to ``seeds`` (cached per run version, seeds and scoring)."""
    seeds = np.unique(np.asarray(seeds, dtype=np.int64))
    key = hashlib.sha1(seeds.tobytes()).hexdigest()
    return _scores(str(run.folder), run_version(run.folder), key, params.method, run, seeds)


def audience_csv(audience: pd.DataFrame, hashed: bool) -> bytes:
    """The audience as the command line's ``audience.csv`` (formula-safe; ids as keyed hashes when asked)."""
    if hashed:
        audience = audience.assign(id=hash_ids(audience["id"], workspace_key(workspace())))
    return csv_bytes(audience)


def lookalike_panel(run: SavedRun, seeds: np.ndarray, key: str) -> None:
    """Everyone but the seeds ranked by likeness: size slider over the curve, where they are now, a preview and the
    download."""
    method = declared_input(declared(LookalikeParams)["method"], LookalikeParams().method, f"{key}-method")
    params = LookalikeParams(method=method)
    try:
        people = people_of(run)
        scores = scores_for(run, seeds, params)
    except CoreError as exc:
        st.info(md(exc.message), icon=":material/info:")
        return
    segment_ids = sorted(p["segment_id"] for p in run.profiles)
    leave_out = st.multiselect("Leave out members of", segment_ids, format_func=people.name, key=f"{key}-exclude",
                               placeholder="No segment left out")
    found = find_lookalikes(people, seeds, params, tuple(leave_out), scores=scores)
    available = found.available
    if not available:
        st.info("Nobody is left to find: every other customer is a seed or left out.", icon=":material/info:")
        return
    size_param = declared(LookalikeParams)["size"]
    size = st.slider(size_param.name, 1, available, min(LOOKALIKE_SIZE, available), key=f"{key}-size",
                     help=size_param.help) if available > 1 else 1
    found = found.top(size)
    rows, audience = found.rows, found.frame
    st.caption(f"The {len(rows):,} customers most like the {len(np.unique(seeds)):,} seed(s) score at least "
               f"{scores[rows[-1]]:.3f} ({params.method}: {LOOKALIKE_NOTES[params.method]}).")
    chart, where = st.columns([3, 2])
    with chart:
        st.plotly_chart(audience_curve_figure(found.curve, size), key=f"{key}-curve",
                        config={"displayModeBar": False})
    with where:
        st.caption("Where they are now")
        counts = audience["segment_id"].map(people.name).value_counts().rename_axis("segment").reset_index()
        st.dataframe(counts, hide_index=True, key=f"{key}-where")
    preview = audience.head(PREVIEW_ROWS).assign(
        segment_name=lambda f: f["segment_id"].map(people.name),
        text=[shorten(people.texts[i], 120) for i in rows[:PREVIEW_ROWS]])
    st.dataframe(preview, hide_index=True, key=f"{key}-preview")
    hashed = st.toggle("Hash customer ids", key=f"{key}-hash",
                       help="Replaces every id by a keyed hash with this workspace's secret key, as the Export page "
                            "does.")
    offer_download(f"Audience of {len(rows):,} (CSV)", audience_csv(audience, hashed),
                   f"lookalikes-{run.run_id}-{key}{'-hashed-ids' if hashed else ''}.csv", "text/csv",
                   key=f"{key}-download", primary=True)


def lookalike_toggle(run: SavedRun, seeds: np.ndarray, key: str, label: str = "Find lookalikes") -> None:
    """A toggle that opens :func:`lookalike_panel` (nothing is scored until it is on)."""
    if st.toggle(label, key=f"{key}-toggle", help="Rank every other customer by likeness to these ones, in the "
                                                    "run's feature space, and download the audience."):
        lookalike_panel(run, seeds, key)


def lookalikes_of_a_list(run: SavedRun) -> None:
    """Seeds from an uploaded id list (one id per line, or a CSV with an id column, such as an earlier audience)."""
    with st.expander("Lookalikes of an id list"):
        upload = st.file_uploader("Seed customers: one id per line, or a CSV with an id column",
                                  type=["csv", "txt", "tsv"], key="seed-upload")
        if upload is None:
            return
        try:
            rows, unknown = rows_of(people_of(run), read_ids(upload.getvalue()), "seed ids", ignore_unknown=True)
        except CoreError as exc:
            st.error(md(exc.message), icon=":material/error:")
            return
        if unknown:
            st.warning(f"{len(unknown):,} of the {len(rows) + len(unknown):,} ids are not customers of this run; the "
                       f"lookalikes use the other {len(rows):,}.", icon=":material/warning:")
        lookalike_panel(run, rows, key="upload")
