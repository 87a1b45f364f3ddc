"""Segments within segments in the app: the form's level settings, the tree on the Segments page, the drill-down on
the Map page and the level chosen on the Export page (the logic is in :mod:`core.explain.levels`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core import MAX_LEVELS, LevelParams, SavedRun, drill_labels, parent_level, tree_rows
from core.schema import declared
from ui.figures import MAX_MAP_POINTS, escape, map_figure, subsample
from ui.params import declared_input
from ui.widgets import md, segment_label

EVERY_SEGMENT = "Every segment"
PARENTS, SEGMENTS = "Parents", "Segments inside them"


def levels_inputs() -> LevelParams:
    """The form's level settings: one or two levels, and the segments per parent for k-based clusterers."""
    fields, defaults = declared(LevelParams), LevelParams()
    levels = declared_input(fields["levels"], defaults.levels, "p-levels", options=tuple(range(1, MAX_LEVELS + 1)))
    sub_k = declared_input(fields["sub_k"], defaults.sub_k, "p-sub-k", "With 2 levels, a clusterer with k: "
                           "segments per parent")
    return LevelParams(levels=levels, sub_k=sub_k)


def tree_figure(run: SavedRun) -> go.Figure:
    """A sunburst of the parents (inner ring) and the segments inside them (outer ring), sized by customers."""
    rows = tree_rows(run.parents or [], run.profiles)
    fig = go.Figure(go.Sunburst(
        ids=[r["id"] for r in rows], labels=[r["name"] for r in rows], parents=[r["parent"] for r in rows],
        values=[r["size"] for r in rows], branchvalues="total",
        hovertemplate="%{label}<br>%{value:,} customers<extra></extra>"))
    fig.update_layout(margin=dict(t=10, l=10, r=10, b=10), height=420)
    return fig


def level_tree(run: SavedRun) -> None:
    """The Segments page's tree: a sunburst beside an indented list of parents and their segments with sizes."""
    rows = tree_rows(run.parents or [], run.profiles)
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(tree_figure(run), key="levels-sunburst", config={"displayModeBar": False})
    with right:
        lines = [("- " if not r["parent"] else "    - ") + f"**{md(r['name'])}** · {r['size']:,} ({r['share']:.1%})"
                 for r in rows]
        st.markdown("\n".join(lines))
    unsplit = (run.run_info.get("levels") or {}).get("unsplit") or []
    if unsplit:
        st.caption(f"{len(unsplit)} parent(s) stayed one segment (too small to split, or one group inside); "
                   "the run's notes say why.")


def drill_into(run: SavedRun) -> int | None:
    """On a two-level run: the parent the analyst drills into on the map (None: every segment)."""
    if not run.parents:
        return None
    parents = {segment_label(p): int(p["segment_id"]) for p in run.parents if p["segment_id"] >= 0}
    chosen = st.selectbox("Drill into a parent", [EVERY_SEGMENT, *parents], key="map-drill",
                          help="show only the segments inside one parent in colour; everyone else is grey")
    return None if chosen == EVERY_SEGMENT else parents[chosen]


@st.cache_resource(max_entries=6, show_spinner="Drawing the map…")
def _drilled(folder: str, version: float, parent: int, _run: SavedRun) -> tuple[go.Figure, int]:
    segments = _run.segments
    coords = segments[[c for c in ("x", "y", "z") if c in segments.columns]].to_numpy(np.float32)
    rows = subsample(len(coords), MAX_MAP_POINTS, seed=0)
    labels = drill_labels(segments["segment_id"].to_numpy(), segments["parent_id"].to_numpy(), parent)
    outside = next(p["name"] for p in _run.parents or [] if p["segment_id"] == parent)
    names = {**_run.names, -1: f"Outside {outside}"}
    hover = [""] * len(coords)
    for i in rows:
        hover[i] = f"{escape(segments['segment_name'].iloc[i], 48)}<br>in {escape(segments['parent_name'].iloc[i], 48)}"
    return map_figure(coords, labels, names, hover, None, rows), len(rows)


def drilled_map(run: SavedRun, version: float, parent: int) -> tuple[go.Figure, int]:
    """The map with only ``parent``'s segments in colour (cached per run version and parent), and points drawn."""
    return _drilled(str(run.folder), version, parent, run)


def export_level(run: SavedRun) -> SavedRun:
    """On a two-level run, the level to export: the run itself, or a view whose segments are the parents."""
    if not run.parents:
        return run
    level = st.radio("Level", [SEGMENTS, PARENTS], horizontal=True, key="export-level",
                     help="Segments: each customer's segment and its parent; Parents: the parent only")
    if level == SEGMENTS:
        return run
    return replace(run, segments=parent_level(run.segments), profiles=run.parents)
