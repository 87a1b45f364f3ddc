"""Warm the slow first steps up while the analyst reads the first pages.

A cold process pays for loading the embedding model (on a CPU without native bfloat16: exporting
it to int8 ONNX the first time, seconds after) and for numba compiling UMAP (tens of seconds on 2 cores; numba's disk
cache keeps it for later processes). Each server process warms both up in two parallel threads right after the app
starts. A run waits only for the model (the embed stage needs it, and loading it twice would cost twice); UMAP's
compilation goes on while the run embeds, and the reduce stage meets it under numba's compiler lock, which compiles
each function once whichever thread asks first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import streamlit as st

from core import EmbedderChoice, choose_embedder, warm_up
from core.errors import CoreError
from ui.state import default_embedder


def _warm_model() -> None:
    try:  # the embedder a default run uses (see pick_backend): load (or export) it and run it once
        embedder, _ = choose_embedder(["warm up"], EmbedderChoice())
        embedder.encode(["warm up"])
    except CoreError:
        pass  # the run will fall back and say so


def _warm_numba() -> None:
    warm_up(nn_descent=False)  # UMAP from numba's disk cache; NN-descent only compiles for inputs that need it


class WarmUp:
    """The model's and numba's warm-ups, each in its own daemon thread, started at once."""

    def __init__(self, model: Callable[[], None], numba: Callable[[], None]) -> None:
        self.model = threading.Thread(target=model, name="segment-studio-warm-up-model", daemon=True)
        self.numba = threading.Thread(target=numba, name="segment-studio-warm-up-numba", daemon=True)
        self.numba.start()  # first: compiling is the longer of the two and needs only one core
        self.model.start()

    def wait_for_model(self) -> None:
        """Block until the model is loaded; numba may still be compiling."""
        self.model.join()


@st.cache_resource(show_spinner=False)
def _warm_up() -> WarmUp | None:
    if default_embedder() in ("fake", "lexical"):
        return None  # tests and lexical set-ups need neither the model nor the warm-up
    return WarmUp(_warm_model, _warm_numba)


def start_warm_up() -> None:
    """Start the warm-up once per server process (later calls do nothing)."""
    _warm_up()


def wait_for_warm_up() -> None:
    """Block until what a run's first stages need is warm (at once when there is no warm-up or it is done)."""
    warm = _warm_up()
    if warm is not None:
        warm.wait_for_model()
