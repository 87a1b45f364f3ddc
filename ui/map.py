"""The Map page's pieces: the parameters form and the cached map figure."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import (
    CLUSTERERS,
    EMBEDDERS,
    ClusterParams,
    EmbedderChoice,
    RecommendParams,
    ReduceParams,
    SavedRun,
    embedder_names,
)
from core import RECOMMEND_METHODS as METHODS
from core.parameters import DEFAULT_WEIGHTS, MAP_DIMS, WEIGHT, SegmentParams
from core.schema import declared
from ui.figures import MAX_MAP_POINTS, hover_labels, map_figure, subsample
from ui.levels import levels_inputs
from ui.params import declared_input
from ui.state import default_embedder

SEGMENT = "Segment"
TABLE_BLOCKS = ("text", "numeric", "categorical")  # the blocks a single table gives


def widget_key(name: str) -> str:
    """The form's widget key of a declared parameter (the tests and the browser flows use it): ``p-min-samples``."""
    return "p-" + name.replace("_", "-")


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
    defaults, fields = SegmentParams(), declared(EmbedderChoice)
    embedders = tuple(e for e in embedder_names()
                      if e == "auto" or not EMBEDDERS[e].for_tests or default_embedder() == e)
    embedder_labels = {"auto": "Automatic (the model for English; the multilingual embedder for other languages)",
                       **{name: plugin.label for name, plugin in EMBEDDERS.items()}}
    reduce_fields, cluster_fields = declared(ReduceParams), declared(ClusterParams)
    algorithms = (defaults.cluster.algo, *(a for a in CLUSTERERS if a != defaults.cluster.algo))
    # outside the form, so that choosing one shows its own parameters in the form at once
    algo = declared_input(cluster_fields["algo"], defaults.cluster.algo, "p-algo", "Clustering algorithm",
                          format_func=lambda name: CLUSTERERS[name].label, options=algorithms,
                          radio_max=len(algorithms))
    clusterer = CLUSTERERS[algo]
    with st.form("parameters", border=True):
        st.markdown("**Parameters**")
        c1, c2, c3 = st.columns(3)
        with c1:
            st.caption("Text embedding")
            embedder = declared_input(fields["embedder"], default_embedder(), "p-embedder", options=embedders,
                                      format_func=embedder_labels.__getitem__, radio_max=0)
            model = declared_input(fields["model"], defaults.embed.model, "p-model")
            st.caption("Weight of each feature block (0 leaves it out)")
            blocks = TABLE_BLOCKS + (("behaviour",) if behaviour else ())
            given = {block: declared_input(WEIGHT, DEFAULT_WEIGHTS[block], f"p-w-{block}", block) for block in blocks}
            weights = {**DEFAULT_WEIGHTS, **given}
            top_k = declared_input(declared(RecommendParams)["top_k"], RecommendParams().top_k, "p-top-k") \
                if behaviour else RecommendParams().top_k
            method = declared_input(declared(RecommendParams)["method"], RecommendParams().method, "p-method",
                                    format_func=METHODS.__getitem__) if behaviour else RecommendParams().method
        with c2:
            st.caption("Reduction (UMAP)")
            dims = declared_input(reduce_fields["n_components"], defaults.reduce.n_components, "p-dims",
                                  "Dimensions for clustering")
            neighbours = declared_input(reduce_fields["n_neighbors"], defaults.reduce.n_neighbors, "p-neighbours",
                                        "Neighbours for clustering")
            map_dims = declared_input(reduce_fields["n_components"], defaults.map.n_components, "p-map-dims", "Map",
                                      format_func=lambda d: f"{d}-D", options=MAP_DIMS)
            map_neighbours = declared_input(reduce_fields["n_neighbors"], defaults.map.n_neighbors, "p-map-neighbours",
                                            "Neighbours for the map")
            min_dist = declared_input(reduce_fields["min_dist"], defaults.map.min_dist, "p-min-dist",
                                      "Spread of the map (min_dist)")
            epochs = declared_input(reduce_fields["n_epochs"], defaults.reduce.n_epochs, "p-epochs")
        with c3:
            st.caption(f"Clustering ({clusterer.label})")
            own_defaults = clusterer.Params()
            cluster = {name: declared_input(declaration, getattr(own_defaults, name), widget_key(name))
                       for name, declaration in clusterer.parameters().items()}
            seed = declared_input(cluster_fields["seed"], defaults.cluster.seed, "p-seed")
            levels = levels_inputs()
        submitted = st.form_submit_button("Run", type="primary", icon="▶️", key="run")
    params = SegmentParams(
        roles=tuple(sorted(roles.items())),
        embed=replace(defaults.embed, embedder=embedder, model=model.strip() or defaults.embed.model),
        weights=tuple(weights.items()),
        reduce=replace(defaults.reduce, n_components=dims, n_neighbors=neighbours, seed=seed, n_epochs=epochs),
        map=replace(defaults.map, n_components=map_dims, n_neighbors=map_neighbours, min_dist=min_dist, seed=seed,
                    n_epochs=epochs),
        cluster=ClusterParams(algo, seed, **cluster), levels=levels,
    )
    return FormResult(submitted, params, RecommendParams(top_k=top_k, method=method) if behaviour else None)


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
    for i, label in zip(rows, hover_labels(frame, texts, hover_fields(run)), strict=False):
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
