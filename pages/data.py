"""Data: upload or open the demo, preview, counts, column roles (editable) and what was found on reading."""

import pandas as pd
import streamlit as st

from core import (
    DEMO_ATTRIBUTION,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TEXT_CHARS,
    ROLES,
    default_runtime_line,
    describe_pii,
    stable_hash,
)
from core.errors import CoreError
from core.tasks import language_notice, long_text_cells, role_problems
from ui.data import (
    UPLOAD_TYPES,
    allowed_pii,
    detected_roles,
    loaded_table,
    set_allowed_pii,
    use_demo,
    use_upload,
)
from ui.database import connect_section
from ui.interactions import (  # after ui.state: keeps merges apart
    has_interactions,
    interactions_section,
)
from ui.state import current_dataset, role_overrides, set_role_overrides
from ui.widgets import PAGES, inside_app, md


def _take_upload() -> None:
    """The uploader's callback: it runs before the script, so the sidebar (drawn before this page) names the
    new table on the same run."""
    upload = st.session_state.get("upload")
    if upload is not None:  # None: the file was removed from the uploader; the table stays loaded
        use_upload(upload.name, upload.getvalue())


inside_app()
st.title("Data")
limit_mb = int(st.get_option("server.maxUploadSize"))
left, right = st.columns([3, 1])
left.file_uploader(
    f"Upload a customers table — CSV, Parquet or Excel (.xlsx), up to {limit_mb} MB",
    type=UPLOAD_TYPES, key="upload", on_change=_take_upload,
    help="One row per customer (or per review/event with a customer id column). The file is kept in your workspace.",
)
left.caption(f"Limits: {limit_mb} MB per file, {MAX_ROWS:,} rows, {MAX_COLUMNS:,} columns. Texts longer than "
             f"{MAX_TEXT_CHARS:,} characters are cut to that length for embedding, with a notice saying how many. "
             f"{default_runtime_line()}")
with right:
    st.write("")
    st.button("Use the demo data", icon=":material/play_circle:", key="data-demo", width="stretch", on_click=use_demo)
    st.caption(DEMO_ATTRIBUTION)
connect_section()

dataset = current_dataset()
if dataset is None:
    st.info("Upload a table above, connect a database, or use the demo data (3,000 clothing reviews) to see how "
            "it works.",
            icon=":material/info:")
    st.stop()

try:
    table = loaded_table()
except CoreError as exc:
    st.error(md(exc.message), icon=":material/error:")
    st.stop()
assert table is not None  # there is a dataset (checked above)

rows, cols = table.frame.shape
m1, m2, m3 = st.columns(3)
m1.metric("Rows", f"{rows:,}")
m2.metric("Columns", f"{cols:,}")
m3.metric("Read as", table.format.upper() + (f" · {table.encoding}" if table.encoding else ""))
st.caption(md(table.describe()))
if table.notices:
    st.info("While reading: " + " ".join(f"({i}) {md(n)}" for i, n in enumerate(table.notices, 1)),
            icon=":material/info:")

st.subheader("Preview")
st.dataframe(table.frame.head(200), height=260, hide_index=True, key="preview")

st.subheader("Column roles")
st.caption("Detected from the values. Change a role to make a column count (or not) in the segmentation: "
           "text is embedded, numbers are scaled, categories are encoded, the id names the customer.")
infos = detected_roles(table)
overrides = role_overrides(table.content_hash)
frame = pd.DataFrame([{
    "column": i.name, "role": overrides.get(i.name, i.role), "detected": i.role, "why": i.reason,
    "personal data": i.pii or "", "distinct": i.n_unique, "missing": i.n_missing, "example": i.example,
} for i in infos])
edited = st.data_editor(
    frame, hide_index=True, key=f"roles-{table.content_hash}-{stable_hash(overrides)[:8]}",
    disabled=["column", "detected", "why", "personal data", "distinct", "missing", "example"],
    column_config={"role": st.column_config.SelectboxColumn("role", options=list(ROLES), required=True)},
)
chosen = dict(zip(edited["column"], edited["role"]))
new_overrides = {i.name: chosen[i.name] for i in infos if chosen.get(i.name, i.role) != i.role}
if new_overrides != overrides:
    set_role_overrides(table.content_hash, new_overrides)
    st.rerun()

problems = role_problems(chosen, has_interactions())
for problem in problems:
    st.warning(problem, icon=":material/error:")

flagged = [i for i in infos if i.pii and chosen.get(i.name) not in ("id", "ignore")]
if flagged:
    st.subheader("Personal data")
    st.caption("These columns look like personal data. They stay out of the segmentation (text, numbers and "
               "categories) unless you tick them; an id column stays the id, and the Export page can hash ids.")
    allowed = set(allowed_pii(table.content_hash))
    opted = []
    for info in flagged:
        assert info.pii  # flagged columns have a kind
        c1, c2 = st.columns([3, 1])
        c1.markdown(f":material/shield_person: {md(describe_pii(info.name, info.pii))} Example: {md(info.example)}")
        if c2.checkbox("Use it anyway", value=info.name in allowed, key=f"pii-{table.content_hash}-{info.name}"):
            opted.append(info.name)
    if sorted(opted) != sorted(allowed & {i.name for i in flagged}):
        set_allowed_pii(table.content_hash, opted)

long_cells = long_text_cells(table, chosen)
if long_cells:
    st.info(f"{long_cells:,} text cell(s) are longer than {MAX_TEXT_CHARS:,} characters; they will be cut to that "
            "length for embedding (the model reads only their beginning anyway).", icon=":material/content_cut:")
language = language_notice(table, chosen)
if language:
    st.info(language, icon=":material/translate:")

interactions_section(next((c for c, r in chosen.items() if r == "id"), None))

if not problems:
    st.page_link(PAGES["map"], label="Next: run the segmentation on the Map page", icon=":material/arrow_forward:")
