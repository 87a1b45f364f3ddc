"""Plotly figures for the dashboard, built from plain data (profiles, coordinates); no Streamlit here.

Every text that comes from the data is HTML-escaped before it reaches a hover label or an axis,
because Plotly renders a subset of HTML in them.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core import CLUSTERERS, CategoryTrait, NumericTrait, Profile, Term

MAX_MAP_POINTS = 200_000
MAX_LEGEND_VALUES = 12
HOVER_TEXT_CHARS = 140
OTHER = "Other"
UNASSIGNED_COLOUR = "#b8bec9"
PALETTE = (
    "#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#db2777",
    "#4f46e5", "#65a30d", "#0d9488", "#b45309", "#7c3aed", "#e11d48", "#0284c7", "#a16207",
)
_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=40, b=10), font=dict(size=13))


def shorten(text: object, limit: int = HOVER_TEXT_CHARS) -> str:
    """One line of at most ``limit`` characters (an ellipsis marks a cut), whitespace collapsed."""
    text = " ".join(str(text if text is not None and text == text else "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def escape(text: object, limit: int = HOVER_TEXT_CHARS) -> str:
    """Shortened and HTML-escaped, safe inside a Plotly label."""
    return html.escape(shorten(text, limit), quote=False)


def subsample(n: int, max_points: int = MAX_MAP_POINTS, seed: int = 0) -> np.ndarray:
    """All row positions when ``n <= max_points``, else a seeded sorted sample of ``max_points``."""
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))


def hover_labels(frame: pd.DataFrame, texts: list[str] | None = None, fields: list[str] | None = None) -> list[str]:
    """One hover label per row: ``id``, ``segment_name``, chosen fields and the shortened text, escaped."""
    fields = [f for f in (fields or []) if f in frame.columns]
    lines: list[list[str]] = [[] for _ in range(len(frame))]
    if "id" in frame.columns:
        for i, v in enumerate(frame["id"].astype(str)):
            lines[i].append(f"<b>{escape(v, 60)}</b>")
    if "segment_name" in frame.columns:
        for i, v in enumerate(frame["segment_name"].astype(str)):
            lines[i].append(escape(v, 80))
    for field in fields:
        values = frame[field]
        numeric = pd.api.types.is_numeric_dtype(values)
        for i, v in enumerate(values):
            if pd.isna(v):
                continue
            shown = f"{v:,.4g}" if numeric else escape(v, 60)
            lines[i].append(f"{escape(field, 40)}: {shown}")
    if texts is not None:
        for i, t in enumerate(texts):
            if t:
                lines[i].append(f"<i>{escape(t)}</i>")
    return ["<br>".join(parts) for parts in lines]


def _trace(coords: np.ndarray, rows: np.ndarray, hover: list[str] | None, name: str, marker: dict,
           showlegend: bool = True) -> go.Scattergl | go.Scatter3d:
    text = [hover[i] for i in rows] if hover is not None else None
    common = dict(mode="markers", name=name, customdata=rows, text=text, marker=marker,
                  hovertemplate="%{text}<extra></extra>" if text is not None else None, showlegend=showlegend)
    if coords.shape[1] >= 3:
        return go.Scatter3d(x=coords[rows, 0], y=coords[rows, 1], z=coords[rows, 2], **common)
    return go.Scattergl(x=coords[rows, 0], y=coords[rows, 1], **common)


def _discrete_groups(values: pd.Series) -> tuple[list[str], np.ndarray]:
    """The most frequent values (others folded into 'Other') and each row's group label."""
    labels = values.astype("string").fillna("(missing)").to_numpy(dtype=object)
    counts = pd.Series(labels).value_counts()
    keep = list(counts.index[:MAX_LEGEND_VALUES])
    if len(counts) > MAX_LEGEND_VALUES:
        labels = np.where(np.isin(labels, keep), labels, OTHER)
        keep.append(OTHER)
    return keep, labels


def map_figure(
    coords: np.ndarray,
    labels: np.ndarray,
    names: dict[int, str],
    hover: list[str] | None = None,
    colour: pd.Series | None = None,
    rows: np.ndarray | None = None,
    point_size: float | None = None,
) -> go.Figure:
    """The customer map: one WebGL trace per segment (or per value of ``colour``), 2-D or 3-D.

    ``customdata`` of every point is its row position, so a selection maps back to customers.
    ``rows`` limits the drawn points (a subsample); legend entries carry the full counts.
    """
    coords = np.asarray(coords, dtype=np.float32)
    labels = np.asarray(labels)
    rows = np.arange(len(coords)) if rows is None else np.asarray(rows)
    size = point_size or (6 if len(rows) < 2_000 else 4 if len(rows) < 20_000 else 2.5)
    traces = []
    if colour is not None and pd.api.types.is_numeric_dtype(colour):
        values = colour.to_numpy(dtype="float64", na_value=np.nan)
        marker = dict(size=size, color=values[rows], colorscale="Viridis", showscale=True, opacity=0.85,
                      colorbar=dict(title=dict(text=escape(colour.name, 30))))
        traces.append(_trace(coords, rows, hover, escape(colour.name, 40), marker, showlegend=False))
    elif colour is not None:
        groups, group_of = _discrete_groups(colour)
        for i, value in enumerate(groups):
            members = rows[group_of[rows] == value]
            if len(members):
                marker = dict(size=size, color=PALETTE[i % len(PALETTE)], opacity=0.85)
                name = f"{escape(value, 40)} ({int((group_of == value).sum()):,})"
                traces.append(_trace(coords, members, hover, name, marker))
    else:
        for seg in sorted(set(labels.tolist()), key=lambda s: (s < 0, s)):
            members = rows[labels[rows] == seg]
            if not len(members):
                continue
            colour_hex = UNASSIGNED_COLOUR if seg < 0 else PALETTE[seg % len(PALETTE)]
            marker = dict(size=size, color=colour_hex, opacity=0.5 if seg < 0 else 0.85)
            name = f"{escape(names.get(int(seg), str(seg)), 48)} ({int((labels == seg).sum()):,})"
            traces.append(_trace(coords, members, hover, name, marker))
    fig = go.Figure(traces)
    fig.update_layout(**_LAYOUT, height=620, legend=dict(itemsizing="constant", title=dict(text="")),
                      dragmode="pan" if coords.shape[1] < 3 else "orbit", hoverlabel=dict(align="left"))
    if coords.shape[1] < 3:
        fig.update_xaxes(showticklabels=False, title=None, showgrid=False, zeroline=False)
        fig.update_yaxes(showticklabels=False, title=None, showgrid=False, zeroline=False)
    else:
        axis = dict(showticklabels=False, title="")
        fig.update_scenes(xaxis=axis, yaxis=axis, zaxis=axis)
    return fig


EVALUATION_METRICS = {"precision": "precision@k", "recall": "recall@k", "ndcg": "NDCG@k", "coverage": "coverage"}
BASELINE = "popularity"
KNN_BASELINE = "item_knn"


def evaluation_figure(evaluation: dict) -> go.Figure:
    """Grouped bars of the held-out figures (``core.recommend.evaluate``): the popularity and item-kNN baselines in
    greys beside the method the customer lists were made with (runs before item-kNN: every method)."""
    k = evaluation.get("k", "k")
    methods = evaluation.get("methods", {})
    default = evaluation.get("default")
    shown = [m for m in dict.fromkeys((BASELINE, KNN_BASELINE, default)) if m in methods] if default else list(methods)
    fig = go.Figure()
    for i, name in enumerate(shown):
        figures = methods[name]
        colour = {BASELINE: UNASSIGNED_COLOUR, KNN_BASELINE: "#7f7f7f"}.get(name, PALETTE[i % len(PALETTE)])
        label = escape(figures.get("label", name), 60)
        fig.add_trace(go.Bar(
            name=label, x=[m.replace("@k", f"@{k}") for m in EVALUATION_METRICS.values()],
            y=[figures.get(m) for m in EVALUATION_METRICS], marker_color=colour,
            hovertemplate=f"{label}<br>%{{x}}: %{{y:.3f}}<extra></extra>"))
    against = "popularity and item-kNN" if KNN_BASELINE in methods else "the popularity baseline"
    fig.update_layout(**_LAYOUT, barmode="group", height=340, legend=dict(orientation="h", y=-0.15),
                      title=dict(text=f"Held-out evaluation against {against} (k = {k})"))
    fig.update_yaxes(title="higher is better", rangemode="tozero")
    return fig


def words_figure(words: list[Term], title: str = "Distinctive words") -> go.Figure:
    """Horizontal bars of a segment's distinctive words (class-based TF-IDF score), strongest on top."""
    words = list(words)[::-1]
    fig = go.Figure(go.Bar(x=[w["score"] for w in words], y=[escape(w["term"], 40) for w in words],
                           orientation="h", marker_color=PALETTE[0],
                           hovertemplate="%{y}: %{x:.4f}<extra></extra>"))
    fig.update_layout(**_LAYOUT, title=dict(text=title), height=max(180, 28 * len(words) + 60))
    fig.update_xaxes(title="weight in this segment")
    return fig


def significance(row: NumericTrait | CategoryTrait) -> str:
    """'q = 0.003 ✱' for a trait with a corrected p-value (✱: significant after correction), else ''."""
    if row.get("q_value") is None:
        return ""
    return f"q = {row['q_value']:.2g}" + (" ✱" if row.get("significant") else " (not significant)")


def numeric_traits_figure(numeric: list[NumericTrait], title: str = "Numbers against everyone else") -> go.Figure:
    """Standardised difference of each number's mean (segment − rest), with both means in the hover.

    Where the rows carry corrected p-values, significant traits get a ✱ after their name and the
    others a faded bar, with q in the hover.
    """
    rows = list(numeric)[::-1]
    diffs = [r["std_diff"] for r in rows]
    hover = [f"{escape(r['column'], 40)}<br>here: {r['mean']:,.3g}<br>everyone else: {r['mean_rest']:,.3g}"
             + (f"<br>{significance(r)}" if significance(r) else "") for r in rows]
    names = [escape(r["column"], 40) + (" ✱" if r.get("significant") else "") for r in rows]
    faded = [r.get("q_value") is not None and not r.get("significant") for r in rows]
    fig = go.Figure(go.Bar(x=diffs, y=names, orientation="h", text=hover,
                           marker_color=[PALETTE[0] if d >= 0 else PALETTE[1] for d in diffs],
                           marker_opacity=[0.35 if f else 1.0 for f in faded],
                           hovertemplate="%{text}<extra></extra>", textposition="none"))
    fig.update_layout(**_LAYOUT, title=dict(text=title), height=max(180, 32 * len(rows) + 70))
    fig.update_xaxes(title="standardised difference from everyone else (right: higher)", zeroline=True,
                     zerolinecolor="#9ca3af")
    return fig


def traits_heatmap(profiles: list[Profile]) -> go.Figure:
    """Segments × numeric traits coloured by standardised difference from everyone else."""
    segments = [p for p in profiles if p["segment_id"] >= 0]
    columns = list(dict.fromkeys(r["column"] for p in segments for r in p["numeric"]))
    z = [[next((r["std_diff"] for r in p["numeric"] if r["column"] == c), None) for c in columns] for p in segments]
    ylabels = [f"{p['segment_id']}: {escape(p['name'], 40)}" for p in segments]
    fig = go.Figure(go.Heatmap(z=z, x=[escape(c, 30) for c in columns], y=ylabels, colorscale="RdBu",
                               reversescale=True, zmid=0, colorbar=dict(title=dict(text="std. diff.")),
                               hovertemplate="%{y}<br>%{x}: %{z:.2f}<extra></extra>"))
    fig.update_layout(**_LAYOUT, title=dict(text="Segments × numeric traits"),
                      height=max(260, 34 * len(segments) + 120))
    fig.update_yaxes(autorange="reversed")
    return fig


def overlap_figure(comparison: dict) -> go.Figure:
    """Heatmap of how many shared customers fall in each (segment of run A, segment of run B) pair.

    ``comparison`` is :func:`core.runs.store.compare_runs`'s result; the hover also gives each cell's
    share of run A's segment, so a segment split in two reads as two cells near 50%.
    """
    counts = np.asarray(comparison["overlap"], dtype=float).reshape(len(comparison["rows"]), len(comparison["columns"]))
    row_share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    ylabels = [f"A {sid}: {escape(name, 40)}"
               for sid, name in zip(comparison["rows"], comparison["row_names"], strict=False)]
    xlabels = [f"B {sid}: {escape(name, 30)}"
               for sid, name in zip(comparison["columns"], comparison["column_names"], strict=False)]
    fig = go.Figure(go.Heatmap(
        z=counts, x=xlabels, y=ylabels, customdata=row_share, colorscale="Blues",
        colorbar=dict(title=dict(text="customers")), text=counts.astype(int), texttemplate="%{text:,}",
        hovertemplate="%{y}<br>%{x}<br>%{z:,} customers (%{customdata:.0%} of the row)<extra></extra>",
    ))
    fig.update_layout(**_LAYOUT, title=dict(text="Customers in each pair of segments"),
                      height=max(260, 34 * len(ylabels) + 140))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-30)
    return fig


def sizes_figure(profiles: list[Profile], names: dict[int, str] | None = None) -> go.Figure:
    """Bar chart of segment sizes (unassigned last, in grey)."""
    names = names or {p["segment_id"]: p["name"] for p in profiles}
    labels = [f"{p['segment_id']}: {escape(names.get(p['segment_id'], p['name']), 40)}" if p["segment_id"] >= 0
              else escape(p["name"], 40) for p in profiles]
    colours = [UNASSIGNED_COLOUR if p["segment_id"] < 0 else PALETTE[p["segment_id"] % len(PALETTE)] for p in profiles]
    fig = go.Figure(go.Bar(x=[p["size"] for p in profiles], y=labels, orientation="h", marker_color=colours,
                           hovertemplate="%{y}: %{x:,} customers<extra></extra>"))
    fig.update_layout(**_LAYOUT, title=dict(text="Segment sizes"), height=max(200, 28 * len(profiles) + 80))
    fig.update_yaxes(autorange="reversed")
    return fig


def sweep_figure(found: dict, current: int | None = None) -> go.Figure:
    """A parameter sweep (``core.segment.quality.sweep``): segments, outlier share and quality per setting.

    Two stacked panels share the setting axis (settings evenly spaced, labelled by value): the
    number of segments above; outlier share, silhouette and (when it recommends by it) DBCV below. The recommended
    setting is a dashed green line, the run's own setting a dotted grey one.
    """
    from plotly.subplots import make_subplots

    rows = found["rows"]
    values = [r["value"] for r in rows]
    x = list(range(len(rows)))
    clusterer = CLUSTERERS[found["algo"]]
    label = f"{clusterer.label} {clusterer.parameters()[found['parameter']].name.lower()}"
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.4, 0.6])
    fig.add_trace(go.Scatter(x=x, y=[r["n_segments"] for r in rows], mode="lines+markers", name="segments",
                             marker_color=PALETTE[0], customdata=values,
                             hovertemplate="%{customdata}: %{y} segments<extra></extra>"), row=1, col=1)
    lines = [("outlier_share", "outlier share", PALETTE[1]), ("silhouette", "silhouette", PALETTE[2])]
    if found["criterion"] == "dbcv":
        lines.append(("dbcv", "DBCV", PALETTE[4]))
    for field, name, colour in lines:
        fig.add_trace(go.Scatter(x=x, y=[r[field] for r in rows], mode="lines+markers", name=name,
                                 marker_color=colour, customdata=values,
                                 hovertemplate=f"%{{customdata}}: {name} %{{y:.3f}}<extra></extra>"), row=2, col=1)
    marks = [(current, dict(color="#6b7280", dash="dot"), "this run", "bottom left"),
             (found.get("recommended"), dict(color=PALETTE[2], dash="dash", width=2),
              f"recommended (best {found['criterion']})", "top right")]
    for value, line, text, position in marks:
        if value in values:
            fig.add_vline(x=values.index(value), line=line, row=1, col=1, annotation_text=text,
                          annotation_position=position)
            fig.add_vline(x=values.index(value), line=line, row=2, col=1)
    fig.update_layout(**_LAYOUT, title=dict(text="Settings tried"), height=460, hovermode="x unified",
                      legend=dict(orientation="h", y=-0.15))
    fig.update_yaxes(title="segments", row=1, col=1, rangemode="tozero")
    fig.update_yaxes(title="share / score", row=2, col=1)
    fig.update_xaxes(tickvals=x, ticktext=[str(v) for v in values])
    fig.update_xaxes(title=label, row=2, col=1)
    return fig


def k_silhouette_figure(scores: dict, chosen: int | None = None) -> go.Figure:
    """The silhouette per k that KMeans ``auto`` tried (``run.json`` ``quality.k_silhouette``), the chosen k marked."""
    pairs = sorted((int(k), float(v)) for k, v in scores.items())
    fig = go.Figure(go.Scatter(x=[k for k, _ in pairs], y=[v for _, v in pairs], mode="lines+markers",
                               marker_color=PALETTE[0], hovertemplate="k = %{x}: silhouette %{y:.3f}<extra></extra>"))
    if chosen is not None:
        fig.add_vline(x=chosen, line=dict(color=PALETTE[2], dash="dash", width=2),
                      annotation_text=f"chosen k = {chosen}")
    fig.update_layout(**_LAYOUT, title=dict(text="How KMeans chose k (silhouette on a sample)"), height=300)
    fig.update_xaxes(title="k", dtick=1)
    fig.update_yaxes(title="silhouette")
    return fig


def migration_sankey(changes: dict, names: dict[int, str]) -> go.Figure:
    """Where the customers present in both periods went: a Sankey of ``changes.json``'s ``migration``.

    One node per segment before (left) and after (right); a link's value is its ``customers``.
    """
    flows = changes["migration"]
    before = sorted({f["from"] for f in flows}, key=lambda s: (s < 0, s))
    after = sorted({f["to"] for f in flows}, key=lambda s: (s < 0, s))
    labels = [f"{s}: {escape(names.get(s, 'Unassigned'), 40)}" for s in before + after]
    colours = [UNASSIGNED_COLOUR if s < 0 else PALETTE[s % len(PALETTE)] for s in before + after]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=labels, color=colours, pad=14, thickness=16),
        link=dict(source=[before.index(f["from"]) for f in flows],
                  target=[len(before) + after.index(f["to"]) for f in flows], value=[f["customers"] for f in flows],
                  hovertemplate="%{source.label} → %{target.label}: %{value:,}<extra></extra>"),
    ))
    fig.update_layout(**_LAYOUT, title=dict(text="Where the customers of both periods went"),
                      height=max(320, 40 * max(len(before), len(after)) + 120))
    return fig


def sizes_over_periods_figure(chain: list[dict], names: dict[int, str]) -> go.Figure:
    """Customers per segment over a chain of periods (one line per segment, unassigned grey)."""
    fig = go.Figure()
    ids = sorted({s for period in chain for s in period["sizes"]}, key=lambda s: (s < 0, s))
    for s in ids:
        fig.add_trace(go.Scatter(
            x=[f"period {p['period']}" for p in chain], y=[p["sizes"].get(s, 0) for p in chain], mode="lines+markers",
            name=f"{s}: {escape(names.get(s, 'Unassigned'), 40)}",
            line=dict(color=UNASSIGNED_COLOUR if s < 0 else PALETTE[s % len(PALETTE)]),
        ))
    fig.update_layout(**_LAYOUT, title=dict(text="Customers per segment over the periods"), yaxis_title="customers")
    return fig


def reasons_figure(explanation: dict, top: int = 8) -> go.Figure:
    """One customer's reasons (:mod:`core.explain.explanations`) as bars: each column's contribution, largest on top.

    For a member, a contribution is the column's part of d²(runner-up's centre) − d²(own centre): green bars pull the
    customer towards their own segment, red ones towards the runner-up. For an unassigned customer, the column's part
    of d²(nearest segment's centre).
    """
    reasons = explanation["reasons"][:top][::-1]
    values = [r["contribution"] for r in reasons]
    fig = go.Figure(go.Bar(
        x=values, y=[escape(r["column"], 40) for r in reasons], orientation="h",
        marker_color=[PALETTE[2] if v >= 0 else PALETTE[3] for v in values],
        customdata=[escape(r["sentence"], 220) for r in reasons], hovertemplate="%{customdata}<extra></extra>"))
    if explanation["segment_id"] >= 0 and explanation.get("runner_up") is not None:
        title = (f"Why {escape(explanation['segment_name'], 40)} rather than "
                 f"{escape(explanation['runner_up_name'], 40)}")
        axis = "pull towards this segment (squared distance)"
    else:
        title = f"How far from {escape(explanation.get('runner_up_name') or 'the segments', 40)}, column by column"
        axis = "part of the squared distance"
    fig.update_layout(**_LAYOUT, title=dict(text=title), height=120 + 34 * len(reasons), showlegend=False)
    fig.update_xaxes(title=axis, zeroline=True, zerolinecolor="#6b7280")
    return fig


def audience_curve_figure(curve: pd.DataFrame, size: int | None = None) -> go.Figure:
    """Lookalike audience size against the minimum similarity (:func:`core.explain.lookalike.size_curve`), with the
    chosen size marked."""
    fig = go.Figure(go.Scatter(x=curve["min_similarity"], y=curve["audience_size"], mode="lines", line_shape="hv",
                               marker_color=PALETTE[0],
                               hovertemplate="similarity ≥ %{x:.3f}: %{y:,} customers<extra></extra>"))
    if size is not None:
        fig.add_hline(y=size, line=dict(color=PALETTE[1], dash="dash"), annotation_text=f"chosen: {size:,}",
                      annotation_position="top right")
    fig.update_layout(**_LAYOUT, title=dict(text="Audience size against similarity"), height=300)
    fig.update_xaxes(title="minimum similarity", autorange="reversed")
    fig.update_yaxes(title="customers", rangemode="tozero")
    return fig
