"""AppTest for issue 7 in the app: compare and assign on the Runs page, personal data on the Data page,
hashed ids in the export, refused uploads as one message, and two sessions kept apart.

Each test gets its own workspace and the fake embedder (per text, so its runs can assign).
"""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.assign import agreement
from core.export import SEGMENT_COLUMNS
from core.io import MAX_FILE_BYTES
from core.privacy import hash_ids, workspace_key
from core.store import list_runs, load_run

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SMALL = ROOT / "tests" / "data" / "reviews_150.csv"
CORPUS = ROOT / "tests" / "data" / "corpus"
RUN_TIMEOUT = 300


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SEGMENT_STUDIO_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("SEGMENT_STUDIO_EMBEDDER", "fake")
    return tmp_path / "ws"


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def _page(at: AppTest, page: str) -> AppTest:
    return at.switch_page(f"pages/{page}.py").run()


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    _page(at, "data")
    at.file_uploader(key="upload").upload(name, data, "text/csv")
    return at.run()


def _run(at: AppTest, mcs: int = 10) -> str:
    _page(at, "map")
    at.number_input(key="p-mcs").set_value(mcs)
    at.button(key="run").click().run(timeout=RUN_TIMEOUT)
    assert not at.exception, at.exception
    return at.session_state["run_id"]


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_upload_limit_in_the_config_matches_the_core():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_FILE_BYTES // 2**20


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
