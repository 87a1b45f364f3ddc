"""AppTest of the Map page's search box on the planted groups (fake embedder): matches lit on the map, the ranked
list and the spread, a refusal in one sentence, the download, and saving the matches as a segment."""

from __future__ import annotations

import base64

import numpy as np
from streamlit.testing.v1 import AppTest

from core.runs.store import load_run
from tests.app.runs import open_run_page
from ui.search_figures import MATCHES


def _map_traces(at: AppTest) -> list[dict]:
    import json

    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    return figure["data"]


def _rows(custom: list | dict) -> list[int]:
    """A trace's ``customdata`` as Plotly sends it (a list, or typed base64 bytes)."""
    if isinstance(custom, dict):
        return np.frombuffer(base64.b64decode(custom["bdata"]), dtype=custom["dtype"]).tolist()
    return [int(v) for v in custom]


def test_a_query_lights_its_matches_lists_them_and_saves_them_as_a_segment(planted_run, planted_ws):
    at = open_run_page(planted_run.run_id, "map")
    assert not any(t["name"].startswith(MATCHES) for t in _map_traces(at))
    at.number_input(key="search-top").set_value(40)
    at.text_input(key="search-query").input("skinny denim jeans").run()
    assert not at.exception, at.exception
    traces = _map_traces(at)
    lit = traces[-1]
    assert lit["name"] == f"{MATCHES} (40)" and len(_rows(lit["customdata"])) == 40
    assert all(t["marker"]["color"] != lit["marker"]["color"] for t in traces[:-1])  # the others greyed
    assert sum(len(_rows(t["customdata"])) for t in traces[:-1]) == len(planted_run.data.frame)  # …not hidden
    matches = next(d.value for d in at.dataframe if "snippet" in d.value.columns)
    assert len(matches) == 40 and matches["id"].str.startswith("g2").mean() >= 0.9
    assert [b.proto.label for b in at.get("download_button")][0] == "Matches of 40 (CSV)"
    at.text_input(key="search-name").input("Denim fans")
    at.button(key="search-save").click().run()
    assert not at.exception, at.exception
    run = load_run(planted_ws, planted_run.run_id)
    saved = [p for p in run.profiles if p.get("name") == "Denim fans"]
    assert len(saved) == 1
    members = run.segments.loc[run.segments["segment_id"] == saved[0]["segment_id"], "id"].astype(str)
    assert set(members) == set(matches["id"].astype(str))


def test_a_query_no_embedder_reads_is_refused_in_one_sentence(planted_run, planted_ws):
    at = open_run_page(planted_run.run_id, "map")
    at.text_input(key="search-query").input("नमस्ते दुनिया").run()
    assert not at.exception, at.exception
    assert any("Devanagari" in e.value for e in at.error)
    assert not any(t["name"].startswith(MATCHES) for t in _map_traces(at))
