"""Warm the slow first steps up while the analyst reads the first pages.

A cold process pays for loading the embedding model (on a CPU without native bfloat16: exporting
it to int8 ONNX the first time, seconds after) and for numba compiling UMAP (tens of seconds on 2 cores; numba's disk
cache keeps it for later processes). Each server process warms both up in two threads right after the app starts,
UMAP's compilation once the model is loaded: the model, the first page and the table's texts come first, since the
embedding, which releases the GIL, is the longest step and starts when they are done. A run waits only for the model
(the embed stage needs it, and loading it twice would cost twice); UMAP's compilation goes on while the run embeds,
and the reduce stage meets it under numba's compiler lock, which compiles each function once whichever thread asks
first.

Once the model is loaded, the texts of the session's table (the demo the app starts on, or an upload) are embedded
ahead of the run (:func:`prefetch_table`, core's :class:`~core.represent.prefetch.TextPrefetch`); a run of the same
texts waits for it and finds them in the cache, a run of other texts stops it first (:func:`settle_prefetch`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from core import DEMO_PATH, EmbedderChoice, LoadedTable, choose_embedder, load_table, warm_up
from core.errors import CoreError
from core.parameters import SegmentParams
from core.tasks import TextPrefetch, prefetch, settle_prefetch
from ui.data import loaded_table
from ui.state import default_embedder, role_overrides, workspace


def _warm_model() -> None:
    try:  # the embedder a default run uses (see pick_backend): load (or export) it and run it once
        embedder, _ = choose_embedder(["warm up"], EmbedderChoice())
        embedder.encode(["warm up"])
    except CoreError:
        pass  # the run will fall back and say so


def _warm_numba() -> None:
    warm_up(nn_descent=False)  # UMAP from numba's disk cache; NN-descent only compiles for inputs that need it


class WarmUp:
    """The model's and numba's warm-ups, each in its own daemon thread, started at once; numba's begins with
    waiting for the model's, and for ``hold`` to be set when given."""

    def __init__(self, model: Callable[[], None], numba: Callable[[], None],
                 hold: threading.Event | None = None) -> None:
        self.model = threading.Thread(target=model, name="segment-studio-warm-up-model", daemon=True)
        self.numba = threading.Thread(target=self._after_model, args=(numba, hold), daemon=True,
                                      name="segment-studio-warm-up-numba")
        self.model.start()
        self.numba.start()

    def _after_model(self, numba: Callable[[], None], hold: threading.Event | None) -> None:
        self.model.join()
        if hold is not None:
            hold.wait()
        numba()

    def wait_for_model(self) -> None:
        """Block until the model is loaded; numba may still be compiling."""
        self.model.join()


_numba_hold = threading.Event()  # cleared only while the server's start finds the demo's texts (start_on_server_start)
_numba_hold.set()


@st.cache_resource(show_spinner=False)
def _warm_up() -> WarmUp | None:
    if default_embedder() in ("fake", "lexical"):
        return None  # tests and lexical set-ups need neither the model nor the warm-up
    return WarmUp(_warm_model, _warm_numba, _numba_hold)


def start_warm_up() -> None:
    """Start the warm-up once per server process (later calls do nothing)."""
    _warm_up()


def wait_for_warm_up() -> None:
    """Block until what a run's first stages need is warm (at once when there is no warm-up or it is done)."""
    warm = _warm_up()
    if warm is not None:
        warm.wait_for_model()


class _Prefetch:
    """The server process's one prefetch and the (table, role choices) it was started for."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[str, str, tuple[tuple[str, str], ...]] | None = None
        self.running: TextPrefetch | None = None


@st.cache_resource(show_spinner=False)
def _prefetch() -> _Prefetch:
    return _Prefetch()


def _start_prefetch(warm: WarmUp, table: LoadedTable, overrides: dict[str, str], folder: Path) -> None:
    key = (str(folder), table.content_hash, tuple(sorted(overrides.items())))
    holder = _prefetch()
    with holder.lock:
        if holder.key == key:
            return
        previous = holder.running

        def first() -> None:  # in the new prefetch's thread: let the previous one end, and the model load
            if previous is not None:
                previous.stop()
            warm.wait_for_model()

        holder.running = prefetch(table, SegmentParams(roles=key[2]), folder, first)
        holder.key = key
        if holder.running is None and previous is not None:  # nothing to embed for this table: end the last one
            previous.stop(wait=False)


def prefetch_table() -> None:
    """Embed the session's table's texts ahead of its run (once per workspace, table and role choices; not
    with the test and lexical embedders, which have no warm-up). Bad tables are left to the pages."""
    warm = _warm_up()
    try:
        table = loaded_table()
    except CoreError:
        return
    if warm is not None and table is not None:
        _start_prefetch(warm, table, role_overrides(table.content_hash), workspace())


def start_on_server_start(folder: Path) -> None:
    """When the server starts (``ui.serve`` with ``--demo``), before any browser connects: warm up, and embed
    the demo's texts into ``folder``'s cache, as the first session's :func:`prefetch_table` would. UMAP's
    compilation waits until the embedding starts: finding the texts is Python work that would share the GIL with
    it, and it delays the embedding, the longest step."""
    _numba_hold.clear()
    try:
        warm = _warm_up()
        if warm is not None:
            _start_prefetch(warm, load_table(DEMO_PATH, name=DEMO_PATH.name), {}, folder)
    finally:
        _numba_hold.set()


def settle_prefetch_for(table: LoadedTable, params: SegmentParams) -> None:
    """Before a run: wait for the prefetch when it embeds this run's texts, else stop it."""
    holder = _prefetch()
    with holder.lock:
        running = holder.running
    if running is not None:
        settle_prefetch(running, table, params, workspace())
