"""The map with a search's matches lit: every drawn point greyed (not hidden), the matches drawn on top."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures import escape

GREY = "#d4d8de"
LIT = "#111827"
MATCHES = "Matches"


def lit_map(fig: go.Figure, coords: np.ndarray, rows: np.ndarray, hover: list[str]) -> go.Figure:
    """A copy of the map ``fig`` with its points greyed and the customers ``rows`` drawn on top (their row
    positions as ``customdata``, so a lasso over them selects them; ``hover`` is one label per match)."""
    out = go.Figure(fig)
    for trace in out.data:
        trace.update(marker=dict(color=GREY, opacity=0.35, showscale=False))
    coords = np.asarray(coords, dtype=np.float32)
    rows = np.asarray(rows, dtype=np.int64)
    marker = dict(size=9, color=LIT, opacity=0.95, line=dict(color="white", width=1))
    common = dict(mode="markers", name=f"{MATCHES} ({len(rows):,})", customdata=rows, text=hover, marker=marker,
                  hovertemplate="%{text}<extra></extra>")
    if coords.shape[1] >= 3:
        out.add_trace(go.Scatter3d(x=coords[rows, 0], y=coords[rows, 1], z=coords[rows, 2], **common))
    else:
        out.add_trace(go.Scattergl(x=coords[rows, 0], y=coords[rows, 1], **common))
    return out


def spread_figure(spread: pd.DataFrame) -> go.Figure:
    """Horizontal bars: how many matches each segment holds (``spread`` of :func:`core.tasks.search.spread`)."""
    shown = spread.iloc[::-1]
    fig = go.Figure(go.Bar(x=shown["matches"], y=[escape(n, 40) for n in shown["segment_name"]], orientation="h",
                           marker_color=LIT, text=[f"{s:.0%} of the segment" for s in shown["share_of_segment"]],
                           textposition="auto", hovertemplate="%{y}: %{x} matches<extra></extra>"))
    fig.update_layout(template="plotly_white", margin=dict(l=10, r=10, t=10, b=10), height=60 + 28 * len(shown),
                      xaxis_title="matches")
    return fig


def hover_label(customer_id: str, segment_name: str, snippet: str) -> str:
    """A match's hover label: id, segment and snippet, HTML-escaped, the ``**marked**`` words in bold."""
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(snippet, quote=False))
    return f"<b>{escape(customer_id, 40)}</b> · {escape(segment_name, 48)}<br>{text}"
