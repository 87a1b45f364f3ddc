"""The Map page's pieces: the parameters form and the cached map figure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.explain.figures import MAX_MAP_POINTS, hover_labels, map_figure, subsample
from core.parameters import DEFAULT_WEIGHTS, SegmentParams
from core.recommend.lists import RecommendParams
from core.represent.embedders.sentence_transformer import DEFAULT_MODEL
from core.runs.store import SavedRun
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams
from ui.state import default_embedder

EMBEDDERS = {
    "auto": "Automatic (the model; lexical for languages it does not read)",
    "model": "Sentence-embedding model",
    "lexical": "Lexical (character n-grams, fast, any language)",
    "fake": "Fake (tests only)",
}
SEGMENT = "Segment"
TABLE_BLOCKS = ("text", "numeric", "categorical")  # the blocks a single table gives
# Defaults chosen on the demo (see docs/DECISIONS.md): a handful of readable segments.
DEFAULT_ALGO = "hdbscan"
DEFAULT_MIN_CLUSTER_SIZE = 30


@dataclass(frozen=True)
class FormResult:
    submitted: bool
    params: SegmentParams
    recommend: RecommendParams | None = None


def parameters_form(roles: dict[str, str], behaviour: bool = False) -> FormResult:
    """The segmentation parameters as a form (nothing runs until Run is pressed).

    With ``behaviour`` (interactions loaded) the behaviour block gets a weight slider too, and
    the form asks how many items to recommend per customer.
    """
    embedders = [e for e in EMBEDDERS if e != "fake" or default_embedder() == "fake"]
    with st.form("parameters", border=True):
        st.markdown("**Parameters**")
        c1, c2, c3 = st.columns(3)
        with c1:
            st.caption("Text embedding")
            embedder = st.selectbox("Embedder", embedders, index=embedders.index(default_embedder()),
                                    format_func=EMBEDDERS.get, key="p-embedder")
            model = st.text_input("Model (sentence-transformers name or local folder)", value=DEFAULT_MODEL,
                                  key="p-model", help="The default ships with the app; nothing is downloaded.")
            st.caption("Weight of each feature block (0 leaves it out)")
            weights = {**DEFAULT_WEIGHTS, **{block: st.slider(block, 0.0, 2.0, float(DEFAULT_WEIGHTS[block]), 0.1,
                                                              key=f"p-w-{block}")
                                  for block in TABLE_BLOCKS + (("behaviour",) if behaviour else ())}}
            top_k = st.number_input("Items to recommend per customer (top-k)", 1, 100, RecommendParams.top_k,
                                    key="p-top-k") if behaviour else RecommendParams.top_k
        with c2:
            st.caption("Reduction (UMAP)")
            dims = st.number_input("Dimensions for clustering", 2, 50, 5, key="p-dims")
            neighbours = st.number_input("Neighbours for clustering", 2, 200, 15, key="p-neighbours",
                                         help="Larger: broader, fewer segments; smaller: local detail.")
            map_dims = st.radio("Map", [2, 3], format_func=lambda d: f"{d}-D", horizontal=True, key="p-map-dims")
            map_neighbours = st.number_input("Neighbours for the map", 2, 200, 15, key="p-map-neighbours")
            min_dist = st.slider("Spread of the map (min_dist)", 0.0, 1.0, 0.1, 0.05, key="p-min-dist")
        with c3:
            st.caption("Clustering")
            algo = st.radio("Algorithm", ["hdbscan", "kmeans"], index=["hdbscan", "kmeans"].index(DEFAULT_ALGO),
                            format_func={"kmeans": "KMeans", "hdbscan": "HDBSCAN"}.get, horizontal=True,
                            key="p-algo")
            k = st.number_input("KMeans: number of segments (0 = choose by silhouette)", 0, 100, 0, key="p-k")
            min_cluster_size = st.number_input("HDBSCAN: minimum segment size", 2, 100_000,
                                               DEFAULT_MIN_CLUSTER_SIZE, key="p-mcs")
            min_samples = st.number_input("HDBSCAN: min samples (0 = same as the minimum size)", 0, 100_000, 0,
                                          key="p-ms", help="Larger values make HDBSCAN more conservative (more "
                                          "unassigned customers). The default is lowered on large tables so its "
                                          "neighbour table stays within 1 GiB of memory.")
            reassign = st.checkbox("HDBSCAN: give unassigned customers their nearest segment", key="p-reassign")
            seed = st.number_input("Seed", 0, 2**31 - 1, 0, key="p-seed")
        submitted = st.form_submit_button("Run", type="primary", icon="▶️", key="run")
    overrides = tuple(sorted(roles.items()))
    params = SegmentParams(
        roles=overrides, embedder=embedder, model=model.strip() or DEFAULT_MODEL,
        weights=tuple(weights.items()),
        reduce=ReduceParams(n_components=int(dims), n_neighbors=int(neighbours), min_dist=0.0, seed=int(seed)),
        map=ReduceParams(n_components=int(map_dims), n_neighbors=int(map_neighbours), min_dist=float(min_dist),
                         seed=int(seed)),
        cluster=ClusterParams(algo=algo, k=int(k) or "auto", min_cluster_size=int(min_cluster_size),
                              min_samples=int(min_samples) or None, reassign_outliers=bool(reassign), seed=int(seed)),
    )
    return FormResult(submitted, params, RecommendParams(top_k=int(top_k)) if behaviour else None)


def colour_options(run: SavedRun) -> list[str]:
    """What the map can be coloured by: the segment, the membership strength, or any profiled column."""
    columns = [c for c in run.customers.columns if c != "id"
               and run.run_info["roles"].get(c) in ("numeric", "categorical")]
    return [SEGMENT, "membership", *columns]


def hover_fields(run: SavedRun) -> list[str]:
    roles = run.run_info["roles"]
    cats = [c for c in run.customers.columns if roles.get(c) == "categorical"][:2]
    nums = [c for c in run.customers.columns if roles.get(c) == "numeric"][:2]
    return cats + nums


@st.cache_resource(max_entries=6, show_spinner="Drawing the map…")
def _figure(folder: str, version: float, colour: str, _run: SavedRun) -> tuple[go.Figure, int]:
    run = _run
    coords = run.segments[[c for c in ("x", "y", "z") if c in run.segments.columns]].to_numpy(np.float32)
    rows = subsample(len(coords), MAX_MAP_POINTS, seed=0)
    frame = pd.concat([run.segments[["id", "segment_name"]].iloc[rows].reset_index(drop=True),
                       run.customers[hover_fields(run)].iloc[rows].reset_index(drop=True)], axis=1)
    texts = [run.texts[i] for i in rows]
    hover = [""] * len(coords)
    for i, label in zip(rows, hover_labels(frame, texts, hover_fields(run))):
        hover[i] = label
    if colour == SEGMENT:
        values = None
    elif colour == "membership":
        values = run.segments["membership"].rename("membership")
    else:
        values = run.customers[colour]
    fig = map_figure(coords, run.segments["segment_id"].to_numpy(), run.names, hover, values, rows)
    return fig, len(rows)


def cached_map(run: SavedRun, version: float, colour: str) -> tuple[go.Figure, int]:
    """The map of ``run`` coloured by ``colour`` (cached per run version and colour), and points drawn."""
    return _figure(str(run.folder), version, colour, run)
