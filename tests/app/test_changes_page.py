"""AppTest of the Changes page: refresh a saved run with an uploaded next period, then the chain again.

Planted two-period data (:func:`core.testing.periods.two_periods`) and the fake embedder.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.ingest.io import load_table
from core.pipeline import run_segmentation
from core.runs.refresh import list_refreshes
from core.runs.store import save_run
from core.testing.periods import two_periods
from tests.app.test_pages import APP
from tests.unit.test_store import PARAMS


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGMENT_STUDIO_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("SEGMENT_STUDIO_EMBEDDER", "fake")
    return tmp_path / "ws"


def _refresh(at: AppTest, source_index: int, data: bytes) -> AppTest:
    at.selectbox(key="changes-source").set_value(at.selectbox(key="changes-source").options[source_index])
    at.file_uploader(key="changes-upload").upload("next.csv", data, "text/csv")
    at.button(key="changes-refresh").click().run(timeout=180)
    assert not at.exception, at.exception
    return at


def _sankey(at: AppTest) -> dict:
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(c for c in charts if c["data"][0]["type"] == "sankey")["data"][0]


def test_refresh_from_the_browser_shows_who_moved(ws, tmp_path):
    data = two_periods(n_per_group=40, n_new=40)
    data.first.to_csv(tmp_path / "p1.csv", index=False)
    save_run(run_segmentation(load_table(tmp_path / "p1.csv"), PARAMS, ws), ws, "first")
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/changes.py").run()
    assert not at.exception and not at.get("plotly_chart")
    _refresh(at, 0, data.second.to_csv(index=False).encode())
    (made,) = list_refreshes(ws)
    changes = json.loads((ws / "refreshes" / made["refresh_id"] / "changes.json").read_text(encoding="utf-8"))
    sankey = _sankey(at)
    assert sankey["link"]["value"] == [f["customers"] for f in changes["migration"]]
    assert sum(sankey["link"]["value"]) == len(set(data.first["customer_id"]) & set(data.second["customer_id"]))
    assert changes["new_segments"] and any("New segment" in e.label for e in at.expander)
    assert [m.value for m in at.metric][1] == str(len(changes["new_segments"]))

    _refresh(at, 1, data.second.to_csv(index=False).encode())  # the refresh itself, refreshed: period 3
    assert len(list_refreshes(ws)) == 2 and len(at.get("plotly_chart")) == 2  # Sankey and sizes over periods
    periods = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "over the periods" in c.proto.spec)
    assert periods["data"][0]["x"] == ["period 1", "period 2", "period 3"]
