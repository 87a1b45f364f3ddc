"""AppTest: every page renders without an exception, with its key elements; and the whole flow works.

Each test gets its own workspace (SEGMENT_STUDIO_WORKSPACE) and the fake embedder
(SEGMENT_STUDIO_EMBEDDER=fake), so nothing loads the real model.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.runs.export import SEGMENT_COLUMNS, csv_bytes
from core.runs.store import list_runs, load_run
from ui.export import membership

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SMALL = ROOT / "tests" / "data" / "reviews_150.csv"
RUN_TIMEOUT = 300


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def _page(at: AppTest, page: str) -> AppTest:
    return at.switch_page(f"pages/{page}.py").run()


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    _page(at, "data")
    at.file_uploader(key="upload").upload(name, data, "text/csv")
    return at.run()


def _run(at: AppTest, **params) -> AppTest:
    _page(at, "map")
    for key, value in params.items():
        at.number_input(key=key).set_value(value)
    at.button(key="run").click().run(timeout=RUN_TIMEOUT)
    assert not at.exception, at.exception
    return at


def test_start_page_says_what_it_does_and_offers_both_ways_in(ws):
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Segment Studio"
    assert {b.label for b in at.button} >= {"Upload your data", "Open the demo"}
    assert any("CC0" in c for c in _texts(at.caption))
    assert any("Current run" in c for c in _texts(at.sidebar.caption))


def test_open_the_demo_goes_to_the_map_with_the_demo_loaded(ws):
    at = _app()
    at.button(key="start-demo").click().run()
    assert not at.exception
    assert at.title[0].value == "Map"
    assert at.session_state["dataset"]["name"] == "womens_clothing_reviews_3k.csv"
    assert at.button(key="run").label == "Run"


def test_run_app_command_starts_every_session_on_the_demo(ws, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py", "--demo"])  # what ./run_app.sh passes after "--"
    at = _app()
    assert not at.exception and at.session_state["dataset"]["name"] == "womens_clothing_reviews_3k.csv"
    at.session_state["dataset"] = None  # the analyst's own choice is not overridden on later reruns
    at.run()
    assert at.session_state["dataset"] is None
    monkeypatch.setattr(sys, "argv", ["app.py"])
    assert "dataset" not in _app().session_state  # without --demo a session starts empty


@pytest.mark.parametrize("page", ["data", "map", "segments", "export", "runs"])
def test_every_page_has_an_empty_state_that_says_what_to_do(ws, page):
    at = _page(_app(), page)
    assert not at.exception
    assert at.title[0].value == page.capitalize()
    assert at.info and not at.error


def test_data_page_with_the_demo_shows_counts_preview_and_editable_roles(ws):
    at = _page(_app(), "data")
    assert "500 MB" in at.file_uploader[0].label
    at.button(key="data-demo").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "3,000" and metrics["Columns"] == "11"
    roles = at.data_editor[0].value
    assert dict(zip(roles["column"], roles["role"]))["Review Text"] == "text"
    assert "why" in roles.columns and not at.error


def test_a_bad_upload_is_one_readable_message(ws):
    at = _upload(_app(), "broken.csv", b"\x00\x01\x02binary\x00" * 50)
    assert not at.exception
    assert len(at.error) == 1 and "does not look like a text table" in at.error[0].value


def test_chinese_text_gets_a_language_notice(ws):
    review = "这件衣服质量很好，颜色也很漂亮，我非常喜欢。尺码合适，面料舒服，洗了以后没有变形，下次还会再买"
    rows = ["id,comment"] + [f"{i},{review}{i}" for i in range(30)]
    at = _upload(_app(), "zh.csv", "\n".join(rows).encode("utf-8"))
    assert not at.exception
    assert any("not in English" in w and "multilingual" in w for w in _texts(at.info))


@pytest.mark.slow
def test_role_overrides_reach_the_run(ws):
    at = _upload(_app(), "reviews.csv", SMALL.read_bytes())
    table_hash = (next(iter(at.session_state["role_overrides"].keys()), None)
                  if "role_overrides" in at.session_state else None)
    assert table_hash is None  # nothing changed yet
    from core.ingest.io import load_table
    content = load_table(SMALL).content_hash
    at.session_state["role_overrides"] = {content: {"Clothing ID": "categorical"}}
    _run(at, **{"p-min-cluster-size": 10})
    run = load_run(ws, at.session_state["run_id"])
    assert run.run_info["roles"]["Clothing ID"] == "categorical"
    assert run.run_info["parameters"]["roles"] == {"Clothing ID": "categorical"}


def test_full_flow_upload_run_map_segments_rename_export(ws):
    at = _upload(_app(), "reviews.csv", SMALL.read_bytes())
    assert not at.exception and {m.label: m.value for m in at.metric}["Rows"] == "150"
    _run(at, **{"p-min-cluster-size": 10})
    assert not at.error, _texts(at.error)
    run_id = at.session_state["run_id"]
    assert at.query_params["run"] == run_id
    assert len(at.get("plotly_chart")) == 1
    assert [s.label for s in at.selectbox if s.key == "map-colour"] == ["Colour by"]
    run = load_run(ws, run_id)
    assert run.run_info["embedding"]["model"] == "fake:32"
    assert len(run.segments) == 150

    # colouring re-draws the map without re-running the pipeline (no new run saved)
    at.selectbox(key="map-colour").select("Age").run()
    assert not at.exception and len(list_runs(ws)) == 1

    _page(at, "segments")
    assert not at.exception
    assert len(at.expander) == len(run.profiles)
    assert len(at.get("plotly_chart")) >= 3
    first = next(p for p in run.profiles if p["segment_id"] == 0)
    at.text_input(key="name-0").input("Size worries")
    at.button(key="rename-btn-0").click().run()
    assert not at.exception
    assert load_run(ws, run_id).names[0] == "Size worries"
    assert first["name"] != "Size worries"

    _page(at, "export")
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Segments (CSV)", "Segments (Parquet)", "Profiles (JSON)", "Run parameters (JSON)"]
    assert {m.label: m.value for m in at.metric}["Customers in the export"] == "150"
    preview = at.dataframe[0].value
    assert list(preview.columns) == SEGMENT_COLUMNS
    assert (preview.loc[preview["segment_id"] == 0, "segment_name"] == "Size worries").all()
    at.multiselect(key="export-segments").set_value([at.multiselect(key="export-segments").options[0]]).run()
    size0 = int((run.segments["segment_id"] == 0).sum())
    assert {m.label: m.value for m in at.metric}["Customers in the export"] == f"{size0:,}"
    exported = pd.read_csv(io.BytesIO(csv_bytes(membership(load_run(ws, run_id), (0,)))), encoding="utf-8-sig")
    assert list(exported.columns) == SEGMENT_COLUMNS and len(exported) == size0

    # a fresh session (a browser refresh) finds the run through the URL
    fresh = AppTest.from_file(APP, default_timeout=60)
    fresh.query_params["run"] = run_id
    fresh.run()
    _page(fresh, "segments")
    assert not fresh.exception and len(fresh.expander) == len(run.profiles)

    _page(at, "runs")
    assert not at.exception
    assert at.dataframe[0].value["run_id"].tolist() == [run_id]
    at.checkbox(key="runs-confirm").check().run()
    at.button(key="runs-delete").click().run()
    assert not at.exception and list_runs(ws) == []
    assert "run_id" not in at.session_state


def test_two_sessions_keep_their_own_uploads_and_runs(ws):
    one = _upload(_app(), "one.csv", SMALL.read_bytes())
    rows = ["id,comment,score"] + [f"{i},a different file with its own words {i % 7},{i}" for i in range(40)]
    two = _upload(_app(), "two.csv", "\n".join(rows).encode())
    path_one, path_two = Path(one.session_state["dataset"]["path"]), Path(two.session_state["dataset"]["path"])
    assert path_one.parent != path_two.parent  # uploads/<session>/...
    assert path_one.parent.parent == path_two.parent.parent == ws / "uploads"
    assert one.session_state["dataset"]["name"] == "one.csv" and two.session_state["dataset"]["name"] == "two.csv"
    _page(one.run(), "data")
    assert {m.label: m.value for m in one.metric}["Rows"] == "150"
    assert {m.label: m.value for m in two.metric}["Rows"] == "40"


def test_data_text_never_renders_as_markdown(ws):
    from ui.widgets import md

    assert md("**bold** [x](http://e.com) <b>") == r"\*\*bold\*\* \[x\]\(http\://e\.com\) \<b\>"
    at = _upload(_app(), "reviews.csv", SMALL.read_bytes())
    _run(at, **{"p-min-cluster-size": 10})
    run_id = at.session_state["run_id"]
    _page(at, "segments")
    at.text_input(key="name-0").input("**loud** [link](http://example.com)")
    at.button(key="rename-btn-0").click().run()
    assert not at.exception
    assert at.expander[0].label.startswith(r"0: \*\*loud\*\* \[link\]\(http\://example\.com\)")
    assert load_run(ws, run_id).names[0] == "**loud** [link](http://example.com)"
