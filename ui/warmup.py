"""Warm the slow first steps up while the analyst reads the first pages.

A cold process pays for importing torch and loading the embedding model (seconds) and for
numba compiling UMAP (tens of seconds on 2 cores). One background thread per server process
does both right after the app starts; a run waits for it instead of doing the same work twice.
"""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from core.embed import DEFAULT_MODEL, SentenceTransformerEmbedder
from core.errors import CoreError
from core.reduce import ReduceParams, reduce
from ui.state import default_embedder


def _warm() -> None:
    try:
        SentenceTransformerEmbedder(DEFAULT_MODEL, device="auto").model  # noqa: B018 - loads and keeps it
    except CoreError:
        pass  # the run will fall back to the lexical embedder and say so
    points = np.random.default_rng(0).random((300, 16), dtype=np.float32)
    reduce(points, ReduceParams(n_components=5, n_neighbors=15, min_dist=0.0))
    reduce(points, ReduceParams(n_components=2, n_neighbors=15, min_dist=0.1))


@st.cache_resource(show_spinner=False)
def _thread() -> threading.Thread | None:
    if default_embedder() in ("fake", "lexical"):
        return None  # tests and lexical set-ups need neither the model nor the warm-up
    thread = threading.Thread(target=_warm, name="segment-studio-warm-up", daemon=True)
    thread.start()
    return thread


def start_warm_up() -> None:
    """Start the warm-up once per server process (later calls do nothing)."""
    _thread()


def wait_for_warm_up() -> None:
    """Block until the warm-up has finished (at once when there is none or it is done)."""
    thread = _thread()
    if thread is not None:
        thread.join()
