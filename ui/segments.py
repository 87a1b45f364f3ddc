"""The Segments page's pieces: quality and stability figures, curation controls and the parameter sweep.

Every heavy action (a curation edit, a sweep, applying a setting) waits for its button; the page
then re-reads the run, whose cache is keyed on the run folder's file times (ui.state).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
import streamlit as st

from core import CLUSTERERS, Profile, SavedRun
from core.errors import CoreError
from core.tasks import Edit, Merge, ReassignOutliers, Reset, Split, curate, current_setting, sweep_run, with_setting
from ui.data import loaded_table
from ui.figures import k_silhouette_figure, sweep_figure
from ui.run import run_and_save
from ui.widgets import core_errors, md, segment_label

VERDICT_COLOURS: dict[str, Literal["green", "orange", "red"]] = {"solid": "green", "fair": "orange", "unstable": "red"}
SWEEP_KEY = "segments-sweep"  # {"run_id", "found"}: the last sweep of this session
MAX_SPLIT = 10


def _fmt(value: float | None, pattern: str = "{:.2f}") -> str:
    return "—" if value is None else pattern.format(value)


def quality_header(run: SavedRun) -> None:
    """The whole segmentation's quality and stability figures, and how many segments are solid."""
    q = run.run_info["quality"]
    stable = q.get("stability") or {}
    finds_outliers = CLUSTERERS[run.run_info["parameters"]["cluster"]["algo"]].finds_outliers
    figures = [("Segments", str(q["n_segments"]), "Segments found (Unassigned not counted)."),
               ("Unassigned", f"{q['outlier_share']:.1%}", "Share of customers no segment claimed (HDBSCAN outliers)."),
               ("Silhouette", _fmt(q.get("silhouette")), "−1 to 1, higher: segments tighter and further apart."),
               ("Davies–Bouldin", _fmt(q.get("davies_bouldin")), "0 or more, lower is better."),
               ("Calinski–Harabasz", _fmt(q.get("calinski_harabasz"), "{:,.0f}"), "Higher is better."),
               ("Stability ARI", _fmt(stable.get("ari_mean")),
                "Agreement (adjusted Rand index) between this segmentation and re-clusterings of random 80 % "
                "subsamples; 1 is identical.")]
    if finds_outliers:
        figures.insert(5, ("DBCV", _fmt(q.get("dbcv")), "Density-based validity, −1 to 1, higher is better; "
                                                          "counts Unassigned against the segmentation."))
    for start in range(0, len(figures), 4):
        for col, (label, value, help_text) in zip(st.columns(4), figures[start:start + 4]):
            col.metric(label, value, help=help_text)
    verdicts = [v["verdict"] for v in stable.get("segments", {}).values() if v.get("verdict")]
    if verdicts:
        counts = pd.Series(verdicts).value_counts()
        st.caption(" · ".join(f"{counts.get(v, 0)} {v}" for v in VERDICT_COLOURS)
                   + " (best-match Jaccard over re-clustered subsamples: solid ≥ 0.75, fair ≥ 0.5)")
    if q.get("curated"):
        st.caption(f"Curated ({len(run.run_info.get('curation', []))} edits): quality recomputed; "
                   "stability is from before curation and only for the segments curation left unchanged.")


def stability_badge(profile: Profile) -> None:
    """Solid / fair / unstable with the best-match Jaccard and the segment's silhouette."""
    quality = profile.get("quality") or {}
    verdict, jaccard = quality.get("verdict"), quality.get("stability")
    silhouette = quality.get("silhouette")
    text = f"silhouette {silhouette:.2f}" if silhouette is not None else ""
    if verdict:
        st.badge(f"{verdict} · Jaccard {jaccard:.2f}" + (f" · {text}" if text else ""),
                 color=VERDICT_COLOURS[verdict], icon=":material/verified:" if verdict == "solid" else None)
    else:
        st.badge("stability not measured" + (f" · {text}" if text else ""), color="gray")


def reassigned_note(run: SavedRun, segment_id: int) -> None:
    """How many members came from Unassigned, and how central they are (their membership)."""
    seg = run.segments
    if "reassigned" not in seg:
        return
    moved = seg[(seg["segment_id"] == segment_id) & seg["reassigned"].astype(bool)]
    if len(moved):
        st.caption(f"{len(moved):,} members came from Unassigned (median membership "
                   f"{moved['membership'].median():.2f}: the share of the segment's own members farther from "
                   "its centre). The Export carries each customer's membership and a 'reassigned' flag.")


def _ids(run: SavedRun) -> list[int]:
    return sorted(p["segment_id"] for p in run.profiles if p["segment_id"] >= 0)


def curation_controls(run: SavedRun, workspace: Path) -> None:
    """Merge, split, reassign outliers and reset, each behind its own button; the page re-reads the run."""
    ids = _ids(run)
    label = {p["segment_id"]: segment_label(p) for p in run.profiles}
    if not ids:
        st.info("This run found no segment to curate; try other settings on the Sweep settings tab or the Map page.",
                icon=":material/info:")
        return
    merge, split = st.columns(2)
    with merge, st.form("merge", border=True):
        st.markdown("**Merge two segments**")
        keep = st.selectbox("Keep", ids, format_func=label.__getitem__, key="merge-keep")
        absorb = st.selectbox("Merge into it", ids, index=1 if len(ids) > 1 else 0, format_func=label.__getitem__,
                              key="merge-absorb")
        name = st.text_input("New name (optional)", key="merge-name", max_chars=120)
        if st.form_submit_button("Merge", icon=":material/merge:", key="merge-btn", disabled=len(ids) < 2):
            assert keep is not None and absorb is not None  # ids is not empty
            _edit(workspace, run, Merge(keep, absorb, name.strip() or None), f"Merged segment {absorb} into {keep}.")
    with split, st.form("split", border=True):
        st.markdown("**Split a segment**")
        target = st.selectbox("Segment", ids, format_func=label.__getitem__, key="split-segment")
        parts = st.number_input("Parts", 2, MAX_SPLIT, 2, key="split-parts",
                                help="KMeans inside the segment, in the clustering space, seeded like the run.")
        if st.form_submit_button("Split", icon=":material/call_split:", key="split-btn"):
            assert target is not None  # ids is not empty
            _edit(workspace, run, Split(target, int(parts)), f"Split segment {target} into {int(parts)}.")
    outliers = int((run.segments["segment_id"] < 0).sum())
    left, right = st.columns(2)
    with left:
        st.markdown("**Unassigned customers**")
        if outliers:
            st.caption(f"{outliers:,} customers are Unassigned. Giving each the segment with the nearest centre keeps "
                       "their membership (how central they are) visible on the cards, the map and the export.")
            if st.button("Give them their nearest segment", key="reassign-btn", icon=":material/group_add:"):
                _edit(workspace, run, ReassignOutliers(), f"Reassigned {outliers:,} customers.")
        else:
            st.caption("Every customer has a segment.")
    with right:
        st.markdown("**Edits so far**")
        edits = run.run_info.get("curation", [])
        if edits:
            st.dataframe(pd.DataFrame([{"action": e.get("action"), "detail": ", ".join(
                f"{k} {v}" for k, v in e.items() if k not in ("action", "at")), "at": e.get("at")} for e in edits]),
                hide_index=True, key="curation-log")
        else:
            st.caption("None: this is the segmentation as it was run.")
        if ((run.folder / "segments_original.parquet").exists()
                and st.button("Reset to the original", key="reset-btn", icon=":material/undo:")):
            _edit(workspace, run, Reset(), "Back to the segmentation as it was run.")


def _edit(workspace: Path, run: SavedRun, edit: Edit, message: str) -> None:
    with core_errors():
        curate(workspace, run.run_id, edit)
        st.toast(md(message))
        st.rerun()


def sweep_panel(run: SavedRun) -> None:
    """Try a range of settings on the run's clustering space, chart them, and apply the recommended one."""
    params, current = current_setting(run)
    clusterer = CLUSTERERS[params.algo]
    what = f"{clusterer.parameters()[clusterer.sweep_parameter].name.lower()} settings ({clusterer.label})"
    original = run.run_info.get("quality_before_curation", run.run_info["quality"])
    if original.get("k_silhouette"):
        st.plotly_chart(k_silhouette_figure(original["k_silhouette"], original["n_segments"]), key="k-silhouette",
                        config={"displayModeBar": False})
    st.caption(f"Clusters the run's {run.cluster_space.shape[1]}-dimensional space again with a range of {what} and "
               "charts what each finds; the embedding and UMAP are reused, so it takes seconds, not minutes.")
    if st.button("Try settings", key="sweep-btn", icon=":material/tune:"):
        with st.spinner("Clustering with each setting…"), core_errors():
            st.session_state[SWEEP_KEY] = {"run_id": run.run_id, "found": sweep_run(run)}
    held = st.session_state.get(SWEEP_KEY)
    if not held or held["run_id"] != run.run_id:
        return
    found = held["found"]
    st.plotly_chart(sweep_figure(found, current), key="sweep-figure", config={"displayModeBar": False})
    best = found["recommended"]
    if best is None:
        st.info("No setting found two or more segments; the data may hold no clear groups.", icon=":material/info:")
        return
    row = next(r for r in found["rows"] if r["value"] == best)
    name = CLUSTERERS[found["algo"]].parameters()[found["parameter"]].name.lower()
    st.success(f"Recommended {name}: {best} — {row['n_segments']} segments, {row['outlier_share']:.0%} unassigned, "
               f"best {found['criterion'].upper() if found['criterion'] == 'dbcv' else found['criterion']} "
               f"({row[found['criterion']]:.2f}).", icon=":material/recommend:")
    if best == current and not run.run_info.get("curation"):
        st.caption("This run already uses the recommended setting.")
        return
    apply_setting(run, found["parameter"], best)


def apply_setting(run: SavedRun, parameter: str, value: int) -> None:
    """One click: run the run's table again with ``parameter`` = ``value``; the new run is saved and made current."""
    table = None
    with core_errors():
        table = loaded_table()
    if table is None or table.content_hash != run.run_info["input"]["hash"]:
        st.caption(f"To apply it, load {md(run.run_info['input']['name'])} on the Data page (the run is "
                   "segmented again from its table; the cached embedding and UMAP make that quick).")
        return
    if run.run_info.get("interactions"):
        st.caption("This run used interactions; run it again from the Map page with this setting.")
        return
    if st.button(f"Apply {value} (a new run)", key="sweep-apply", type="primary", icon=":material/check:"):
        try:
            run_and_save(table, with_setting(run, parameter, value))
        except CoreError as exc:
            st.error(md(exc.message), icon=":material/error:")
            return
        st.session_state.pop(SWEEP_KEY, None)
        st.rerun()
