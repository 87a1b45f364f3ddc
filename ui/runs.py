"""The Runs page's pieces: comparing two saved runs and assigning an uploaded table with a saved run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from core import assign as assign_file
from core import compare_runs, csv_bytes, runs_dir
from ui.state import run_version, workspace
from ui.widgets import md

ASSIGNMENT_KEY = "assignment"  # this session's latest assignment (an AssignedFile)


@st.cache_data(max_entries=8, show_spinner="Comparing the runs…")
def _comparison(folder: str, run_a: str, run_b: str, version_a: float, version_b: float) -> dict:
    return compare_runs(Path(folder), run_a, run_b)


def comparison(run_a: str, run_b: str) -> dict:
    """:func:`core.runs.store.compare_runs` of two saved runs, cached until either run changes."""
    root = runs_dir(workspace())
    return _comparison(str(workspace()), run_a, run_b, run_version(root / run_a), run_version(root / run_b))


@dataclass(frozen=True)
class AssignedFile:
    """New customers assigned with a saved run: the ``segments.csv`` table, its counts and the notices."""

    run_id: str
    name: str
    segments: pd.DataFrame
    notices: list[str]

    @property
    def counts(self) -> pd.DataFrame:
        """Customers per segment (unassigned last), with their share."""
        counts = (self.segments.groupby(["segment_id", "segment_name"], sort=False).size()
                  .rename("customers").reset_index())
        counts["share"] = counts["customers"] / max(len(self.segments), 1)
        order = counts["segment_id"].where(counts["segment_id"] >= 0, counts["segment_id"].max() + 1)
        return counts.iloc[order.argsort(kind="stable")].reset_index(drop=True)

    @property
    def csv(self) -> bytes:
        return csv_bytes(self.segments)


def assign_upload(run_id: str, name: str, data: bytes) -> AssignedFile:
    """Assign the uploaded table's customers with saved run ``run_id`` and keep it for this session.

    Core errors propagate (the page shows them as one message).
    """
    st.session_state.pop(ASSIGNMENT_KEY, None)  # a failed assignment must not leave the previous one on show
    with st.spinner(f"Assigning the customers of {md(name)}…"):
        assignment = assign_file(run_id, data, workspace(), name=name)
    result = AssignedFile(run_id, name, assignment.segments, assignment.notices)
    st.session_state[ASSIGNMENT_KEY] = result
    return result


def current_assignment() -> AssignedFile | None:
    return st.session_state.get(ASSIGNMENT_KEY)
