"""The Export page's files, built once per (run version, chosen segments)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core import (
    SEGMENT_COLUMNS,
    SavedRun,
    csv_bytes,
    json_text,
    parquet_bytes,
    population_segments,
    with_hashed_ids,
    workspace_key,
)
from ui.state import workspace


@dataclass(frozen=True)
class ExportFiles:
    rows: int
    csv: bytes
    parquet: bytes
    profiles: bytes
    run: bytes
    preview: pd.DataFrame


def membership(run: SavedRun, segment_ids: tuple[int, ...]) -> pd.DataFrame:
    """The run's segments table restricted to ``segment_ids``, in the command line's column order; for a run
    made on Ray, every customer's (its Parquet parts), not only the map's sample."""
    population = population_segments(run.folder, segment_ids)
    frame = population if population is not None else run.segments[run.segments["segment_id"].isin(segment_ids)]
    columns = [c for c in SEGMENT_COLUMNS if c in frame] + [c for c in frame.columns if c not in SEGMENT_COLUMNS]
    return frame[columns].reset_index(drop=True)


@st.cache_data(max_entries=8, show_spinner="Preparing the files…")
def export_files(folder: str, version: float, segment_ids: tuple[int, ...], _run: SavedRun,
                 hash_ids: bool = False) -> ExportFiles:
    """CSV (formula-safe), Parquet, profiles JSON and run JSON for the chosen segments.

    With ``hash_ids`` customer ids (in the table and the profiles' representatives) are replaced by
    keyed hashes with the workspace's key: stable across exports, not reversible without the key.
    """
    frame = membership(_run, segment_ids)
    profiles = [p for p in _run.profiles if p["segment_id"] in segment_ids]
    run_info = _run.run_info
    if hash_ids:
        frame, profiles = with_hashed_ids(frame, profiles, workspace_key(workspace()))
        run_info = {**run_info, "ids_hashed": True}
    return ExportFiles(
        rows=len(frame), csv=csv_bytes(frame), parquet=parquet_bytes(frame),
        profiles=json_text(profiles).encode("utf-8"), run=json_text(run_info).encode("utf-8"),
        preview=frame.head(100),
    )
