"""The Changes page's pieces: refreshing a run with an uploaded table, and reading a refresh back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core import list_refreshes, list_runs, load_table, period_chain, segment_names
from core.tasks import refresh
from ui.state import workspace

CHOICE_KEY = "changes-choice"  # the refresh the page shows (the one just made, after a refresh)


def sources() -> dict[str, str]:
    """What can be refreshed, label → folder: the saved runs that can assign, then the refreshes."""
    out = {f"run {r['run_id']} ({r['input']})": str(Path(workspace()) / "runs" / r["run_id"])
           for r in list_runs(workspace()) if r["assignable"]}
    out.update({f"refresh {r['refresh_id']} (period {r['period']}, {r['input']})": r["folder"]
                for r in list_refreshes(workspace())})
    return out


def refresh_upload(folder: str, data: bytes, name: str) -> str:
    """Refresh the run in ``folder`` on an uploaded table and save it in the workspace; returns its id."""
    with st.spinner("Refreshing the segments on the new table…"):
        refresh_id = refresh(folder, load_table(data, name), workspace(), save=True).refresh_id
    assert refresh_id is not None  # saved (save=True)
    st.session_state[CHOICE_KEY] = refresh_id
    return refresh_id


@dataclass(frozen=True)
class RefreshView:
    """A saved refresh as the page shows it."""

    changes: dict[str, Any]
    profiles: list[dict[str, Any]]
    names: dict[int, str]
    chain: list[dict[str, Any]]

    def sizes(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.changes["sizes"])
        return frame[["segment_id", "name", "before", "after", "change", "share_before", "share_after", "q_value",
                      "significant"]]

    def drift(self) -> pd.DataFrame:
        rows = [{"segment_id": d["segment_id"], "segment": d["name"], **{k: t.get(k) for k in
                 ("column", "value", "before", "after", "effect", "effect_measure", "q_value", "significant")}}
                for d in self.changes["drift"] for t in d["traits"]]
        return pd.DataFrame(rows)


@st.cache_data(max_entries=8, show_spinner=False)
def _read(folder: str, version: float) -> RefreshView:
    path = Path(folder)
    changes = json.loads((path / "changes.json").read_text(encoding="utf-8"))
    profiles = json.loads((path / "profiles.json").read_text(encoding="utf-8"))
    chain = period_chain(path)
    names: dict[int, str] = {}
    for step in chain:  # later periods' names win; every segment of the chain has one
        step_profiles = Path(step["folder"]) / "profiles.json"
        names.update(segment_names(json.loads(step_profiles.read_text(encoding="utf-8"))))
    return RefreshView(changes, profiles, names, chain)


def read_refresh(folder: str) -> RefreshView:
    """A saved refresh (cached until its run.json is rewritten)."""
    return _read(folder, (Path(folder) / "run.json").stat().st_mtime_ns / 1e9)
