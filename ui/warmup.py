"""Warm the slow first steps up while the analyst reads the first pages.

A cold process pays for loading the embedding model (on a CPU without native bfloat16: exporting
it to int8 ONNX the first time, seconds after) and for numba compiling UMAP (tens of seconds on 2 cores; numba's disk
cache keeps it for later processes). One background thread per server process does both right after
the app starts; a run waits for it instead of doing the same work twice.
"""

from __future__ import annotations

import threading

import streamlit as st

from core import EmbedderChoice, choose_embedder, warm_up
from core.errors import CoreError
from ui.state import default_embedder


def _warm() -> None:
    try:  # the embedder a default run uses (see pick_backend): load (or export) it and run it once
        embedder, _ = choose_embedder(["warm up"], EmbedderChoice())
        embedder.encode(["warm up"])
    except CoreError:
        pass  # the run will fall back and say so
    warm_up(nn_descent=False)  # UMAP from numba's disk cache; NN-descent only compiles for inputs that need it


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
