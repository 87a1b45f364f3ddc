"""Running the pipeline from a page: progress per stage in ``st.status``, the result saved as a run."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

import streamlit as st

from core import STAGES, InteractionInputs, LoadedTable, RecommendParams
from core.parameters import SegmentParams
from core.tasks import segment
from ui.data import allowed_pii
from ui.state import set_current_run, workspace
from ui.warmup import settle_prefetch_for, wait_for_warm_up

if TYPE_CHECKING:
    from streamlit.elements.lib.mutable_status_container import StatusContainer

STAGE_LABELS = {
    "load": "Reading customers", "embed": "Embedding texts", "behaviour": "Behaviour features",
    "features": "Building features", "reduce": "UMAP for clustering", "map": "UMAP for the map",
    "cluster": "Clustering", "profile": "Profiling", "recommend": "Recommending",
}


def _eta(seconds: float) -> str:
    return f"about {seconds:,.0f} s left" if seconds < 90 else f"about {seconds / 60:,.1f} min left"


class StageProgress:
    """The pipeline's ``progress(stage, fraction, message)`` drawn as a bar and one line per stage.

    For the embedding stage it adds an estimate of the time left from the texts per second so far.
    """

    def __init__(self, status: StatusContainer) -> None:
        self.status = status
        self.bar = status.progress(0.0)
        self.line = status.empty()
        self.stage: str | None = None
        self.stage_start = time.perf_counter()

    def __call__(self, stage: str, fraction: float, message: str) -> None:
        now = time.perf_counter()
        if stage != self.stage:
            if self.stage is not None:
                self.status.write(f"✓ {STAGE_LABELS.get(self.stage, self.stage)} ({now - self.stage_start:,.1f} s)")
            self.stage, self.stage_start = stage, now
        label = STAGE_LABELS.get(stage, stage)
        text = f"{label}: {message}"
        elapsed = now - self.stage_start
        if stage == "embed" and 0 < fraction < 1 and elapsed > 0:
            rate = fraction / elapsed
            text += f" — {_eta((1 - fraction) / rate)}"
        index = STAGES.index(stage) if stage in STAGES else 0
        self.bar.progress(min((index + max(0.0, min(fraction, 1.0))) / len(STAGES), 1.0))
        self.line.text(text)
        self.status.update(label=f"{label}…")

    def finish(self) -> None:
        if self.stage is not None:
            self.status.write(f"✓ {STAGE_LABELS.get(self.stage, self.stage)} "
                              f"({time.perf_counter() - self.stage_start:,.1f} s)")
        self.bar.progress(1.0)
        self.line.empty()


def run_and_save(table: LoadedTable, params: SegmentParams, interactions: InteractionInputs | None = None,
                 recommend: RecommendParams | None = None) -> str:
    """Run the segmentation with visible progress, save it in the workspace and make it current.

    With ``interactions`` the run adds behaviour features and, with ``recommend``, recommendations.

    Core errors propagate (the page shows them as one message); the status box turns red.
    The personal-data columns opted in on the Data page are added to ``params.allow_pii``.
    """
    params = replace(params, allow_pii=tuple(sorted({*params.allow_pii, *allowed_pii(table.content_hash)})))
    started = time.perf_counter()
    with st.status("Starting…", expanded=True) as status:
        progress = StageProgress(status)
        try:
            progress("load", 0.0, "Loading the embedding model and compiling UMAP (first run only)")
            wait_for_warm_up()
            progress("load", 0.0, "Embedding the texts begun while you read the first pages")
            settle_prefetch_for(table, params)
            done = segment(table, params, workspace(), interactions=interactions, recommend=recommend, save=True,
                           progress=progress)
        except Exception:
            status.update(label="The run stopped", state="error", expanded=True)
            raise
        progress.finish()
        status.update(label=f"Done in {time.perf_counter() - started:,.0f} s: {done.customers:,} customers in "
                            f"{done.quality['n_segments']} segments", state="complete", expanded=False)
    assert done.run_id is not None  # saved (save=True)
    set_current_run(done.run_id)
    return done.run_id
