"""Export: segment membership (all or chosen segments) as CSV and Parquet, profiles and parameters as JSON."""

from typing import Any

import streamlit as st

from ui.audit import audited_download
from ui.database import write_section
from ui.export import export_files
from ui.levels import export_level
from ui.recommend import recommendation_files, recommendation_rows
from ui.state import run_version
from ui.widgets import inside_app, need_run, segment_label

inside_app()
st.title("Export")
run = need_run()
if run is None:
    st.stop()

st.caption("One row per customer: id, segment_id, segment_name, membership, outlier and the map coordinates — "
           "the same columns as the command line's segments.csv. The CSV opens safely in Excel "
           "(UTF-8, no formulas run).")
view = export_level(run)  # a two-level run exports its segments or its parents
level = "" if view is run else "-parents"
labels = {segment_label(p): p["segment_id"] for p in view.profiles}
chosen = st.multiselect("Segments to include", list(labels), default=list(labels), key=f"export-segments{level}",
                        placeholder="Choose one or more segments")
if not chosen:
    st.info("Choose at least one segment to export.", icon=":material/info:")
    st.stop()

ids = tuple(sorted(labels[c] for c in chosen))
hashed = st.toggle("Hash customer ids", key="export-hash-ids",
                   help="Replaces every id by a keyed hash (HMAC-SHA256) with this workspace's secret key: the same "
                        "customer gets the same hash in every export, and nobody without the key can recover the id.")
files = export_files(str(run.folder) + level, run_version(run.folder), ids, view, hashed)  # folder: the cache key
st.metric("Customers in the export", f"{files.rows:,}")
stem = f"segments-{run.run_id}" if len(ids) == len(labels) else f"segments-{run.run_id}-" + "-".join(map(str, ids))
stem += level + ("-hashed-ids" if hashed else "")
audit: dict[str, Any] = {"run_id": run.run_id, "ids_hashed": hashed}
c1, c2, c3, c4 = st.columns(4)
with c1:
    audited_download("Segments (CSV)", files.csv, f"{stem}.csv", "text/csv", rows=files.rows, key="dl-csv",
                     primary=True, **audit)
with c2:
    audited_download("Segments (Parquet)", files.parquet, f"{stem}.parquet", "application/octet-stream",
                     rows=files.rows, key="dl-parquet", **audit)
with c3:
    audited_download("Profiles (JSON)", files.profiles, f"profiles-{run.run_id}.json", "application/json",
                     rows=len(ids), key="dl-profiles", **audit)
with c4:
    audited_download("Run parameters (JSON)", files.run, f"run-{run.run_id}.json", "application/json", rows=1,
                     key="dl-run", **audit)
write_section(run, ids, hashed)
st.subheader("Preview")
st.dataframe(files.preview, hide_index=True, key="export-preview")

recommendation_downloads = recommendation_files(str(run.folder), run_version(run.folder), run,
                                                st.session_state.get("export-hash-ids", False))
if recommendation_downloads:
    st.subheader("Recommendations")
    st.caption("Per segment (both lists, with their reasons), per customer (top k) and the held-out evaluation — "
               "the command line's files. The lists follow the run's current segments.")
    rows = recommendation_rows(run)
    for column, (filename, data) in zip(st.columns(len(recommendation_downloads)), recommendation_downloads.items()):
        stem, ext = filename.rsplit(".", 1)
        with column:
            kind = "application/json" if ext == "json" else "text/csv"
            audited_download(filename, data, f"{stem}-{run.run_id}.{ext}", kind,
                             run_id=run.run_id, rows=rows[filename], key=f"dl-{stem}",
                             ids_hashed=st.session_state.get("export-hash-ids", False))
