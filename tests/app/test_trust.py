"""AppTest for issue 7 in the app: compare and assign on the Runs page, personal data on the Data page,
hashed ids in the export, refused uploads as one message, and two sessions kept apart.

Each test gets its own workspace and the fake embedder (per text, so its runs can assign).
"""

from __future__ import annotations

import io
import json
import tomllib

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.ingest.io import MAX_FILE_BYTES
from core.ingest.privacy import hash_ids, workspace_key
from core.runs.assign import agreement
from core.runs.export import SEGMENT_COLUMNS
from core.runs.store import list_runs, load_run
from tests.app.test_pages import ROOT, RUN_TIMEOUT, SMALL, _app, _page, _upload

CORPUS = ROOT / "tests" / "data" / "corpus"


def _run(at: AppTest, mcs: int = 10) -> str:
    _page(at, "map")
    at.number_input(key="p-min-cluster-size").set_value(mcs)
    at.button(key="run").click().run(timeout=RUN_TIMEOUT)
    assert not at.exception, at.exception
    return at.session_state["run_id"]


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_upload_limit_in_the_config_matches_the_core():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_FILE_BYTES // 2**20


@pytest.mark.slow
def test_runs_page_compares_two_runs_and_assigns_new_customers(ws):
    at = _upload(_app(), "reviews.csv", SMALL.read_bytes())
    first = _run(at, mcs=10)
    second = _run(at, mcs=20)
    assert first != second and len(list_runs(ws)) == 2

    _page(at, "runs")
    assert not at.exception and not at.error
    at.selectbox(key="compare-a").select(first)
    at.selectbox(key="compare-b").select(second).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customers in both"] == "150"
    assert -1.0 <= float(metrics["Adjusted Rand index"]) <= 1.0
    assert 0.0 <= float(metrics["Normalised mutual information"]) <= 1.0
    assert len(at.get("plotly_chart")) == 1
    at.selectbox(key="compare-b").select(first).run()
    assert not at.get("plotly_chart") and "Choose two different runs." in [c.value for c in at.caption]

    # the training customers assigned back reproduce their segments
    at.selectbox(key="assign-run").select(first)
    at.file_uploader(key="assign-upload").upload("new.csv", SMALL.read_bytes(), "text/csv")
    at.button(key="assign-go").click().run(timeout=RUN_TIMEOUT)
    assert not at.exception and not at.error, _errors(at)
    preview = at.dataframe[-1].value
    assert list(preview.columns) == SEGMENT_COLUMNS
    assigned = at.session_state["assignment"].segments
    trained = load_run(ws, first).segments.set_index("id").loc[assigned["id"], "segment_id"].to_numpy()
    assert agreement(assigned["segment_id"].to_numpy(), trained) >= 0.99
    counts = at.dataframe[-2].value
    assert counts["customers"].sum() == 150 == int({m.label: m.value for m in at.metric}["Customers assigned"])
    assert [b.label for b in at.get("download_button")] == ["Assigned segments (CSV)"]
    exported = pd.read_csv(io.BytesIO(at.session_state["assignment"].csv), encoding="utf-8-sig")
    assert list(exported.columns) == SEGMENT_COLUMNS and len(exported) == 150

    # a table without the run's columns: one readable message, and no stale result left on show
    at.file_uploader(key="assign-upload").upload("other.csv", b"a,b\n1,2\n3,4\n", "text/csv")
    at.button(key="assign-go").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "lacks column" in at.error[0].value
    assert "assignment" not in at.session_state


@pytest.mark.parametrize("name", ["binary_garbage.csv", "header_only.csv", "truncated_parquet.parquet"])
def test_refused_corpus_files_are_one_readable_message(ws, name):
    at = _upload(_app(), name, (CORPUS / name).read_bytes())
    assert not at.exception
    assert len(at.error) == 1, _errors(at)
    assert name.split(".")[0] in at.error[0].value.replace("\\", "")
    assert "Traceback" not in at.error[0].value


def _run_kmeans(at: AppTest) -> str:
    _page(at, "map")
    at.radio(key="p-algo").set_value("kmeans").run()
    at.number_input(key="p-k").set_value(2)
    at.button(key="run").click().run(timeout=RUN_TIMEOUT)
    assert not at.exception, at.exception
    return at.session_state["run_id"]


def test_personal_data_is_flagged_masked_and_used_only_after_opting_in(ws):
    at = _upload(_app(), "pii.csv", (CORPUS / "pii_columns.csv").read_bytes())
    assert not at.exception and not at.error, _errors(at)
    roles = at.data_editor[0].value.set_index("column")
    assert roles.loc["email", "personal data"] == "email" and roles.loc["phone", "personal data"] == "phone"
    assert roles.loc["review", "personal data"] == ""
    assert "@" not in roles.loc["email", "example"] and "•" in roles.loc["email", "example"]
    flags = [m.value for m in at.markdown if "looks like" in m.value]
    assert len(flags) == 2 and all("•" in f for f in flags) and not any("@example" in f for f in flags)
    assert "Limits:" in " ".join(c.value for c in at.caption)

    kept_out = load_run(ws, _run_kmeans(at))
    assert kept_out.run_info["roles"]["email"] == "ignore" and kept_out.run_info["parameters"]["allow_pii"] == []

    _page(at, "data")
    boxes = [c for c in at.checkbox if c.key.startswith("pii-")]
    assert [c.label for c in boxes] == ["Use it anyway"] * 2
    next(c for c in boxes if c.key.endswith("-email")).check().run()
    assert not at.exception
    opted_in = load_run(ws, _run_kmeans(at))
    assert opted_in.run_info["parameters"]["allow_pii"] == ["email"]
    assert opted_in.run_info["roles"]["email"] != "ignore" and opted_in.run_info["roles"]["phone"] == "ignore"


def test_a_long_text_gets_a_cut_notice_on_the_data_page(ws):
    at = _upload(_app(), "huge.csv", (CORPUS / "huge_text_cell.csv").read_bytes())
    assert not at.exception
    assert any("1 text cell(s) are longer than 2,000 characters" in i.value for i in at.info)


@pytest.mark.slow
def test_export_can_hash_ids_with_the_workspace_key(ws):
    at = _upload(_app(), "reviews.csv", SMALL.read_bytes())
    run_id = _run(at)
    _page(at, "export")
    plain = at.dataframe[0].value["id"]
    at.toggle(key="export-hash-ids").set_value(True).run()
    assert not at.exception
    hashed = at.dataframe[0].value["id"]
    expected = hash_ids(plain, workspace_key(ws))
    assert hashed.tolist() == expected.tolist() and not set(hashed) & set(plain)
    from ui.export import (
        export_files,  # the downloads carry the hashed ids too (profiles' representatives included)
    )

    run = load_run(ws, run_id)
    files = export_files.__wrapped__(str(run.folder), 0.0, tuple(sorted({p["segment_id"] for p in run.profiles})),
                                     run, True)
    exported = pd.read_csv(io.BytesIO(files.csv), encoding="utf-8-sig", dtype={"id": str})
    assert set(exported["id"]) == set(hash_ids(run.segments["id"], workspace_key(ws)))
    representatives = [m["id"] for p in json.loads(files.profiles) for m in p["representatives"]]
    assert representatives and set(representatives) <= set(exported["id"])
    assert json.loads(files.run)["ids_hashed"] is True


@pytest.mark.slow
def test_two_sessions_keep_their_own_current_run_and_assignment(ws):
    one = _upload(_app(), "one.csv", SMALL.read_bytes())
    two = _upload(_app(), "two.csv", (CORPUS / "pii_columns.csv").read_bytes())
    run_one = _run(one)
    run_two = _run_kmeans(two)
    assert run_one != run_two
    _page(one, "map")
    _page(two, "map")
    assert one.session_state["run_id"] == one.query_params["run"] == run_one
    assert two.session_state["run_id"] == two.query_params["run"] == run_two
    assert {m.label: m.value for m in one.metric}["Customers"] == "150"
    assert {m.label: m.value for m in two.metric}["Customers"] != "150"
    assert one.session_state["dataset"]["name"] == "one.csv" and two.session_state["dataset"]["name"] == "two.csv"

    _page(one, "runs")
    one.selectbox(key="assign-run").select(run_one)
    one.file_uploader(key="assign-upload").upload("new.csv", SMALL.read_bytes(), "text/csv")
    one.button(key="assign-go").click().run(timeout=RUN_TIMEOUT)
    assert not one.error, _errors(one)
    assert ["share no customer ids" in w.value for w in one.warning] == [True]  # runs of different tables
    _page(two, "runs")
    assert "assignment" in one.session_state and "assignment" not in two.session_state
    assert not list(two.get("download_button"))
