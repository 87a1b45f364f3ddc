"""AppTest of the customer lookup and the lookalike panels (Map selection, segment card) on the planted groups."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from core.explain.explanations import explain_rows
from core.ingest.privacy import hash_ids, workspace_key
from core.runs.opened import open_run
from tests.app.runs import open_run_page


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """The bytes behind every download button the app draws, by file name (AppTest serves them from memory)."""
    served: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        if filename and isinstance(path_or_data, bytes):
            served[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return served



def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _card_says(at: AppTest, explanation: dict) -> bool:
    """Whether the explanation card names the customer, their segment and the runner-up, with the margin."""
    lines = [m.value.replace("\\", "") for m in at.markdown]
    return (f"**Customer {explanation['id']}**" in lines
            and f"In **{explanation['segment_name']}** rather than the runner-up, {explanation['runner_up_name']}."
            in lines and _metrics(at)["Margin"] == f"{explanation['margin']:.2f}")


def _select_on_map(at: AppTest, rows: list[int]) -> AppTest:
    """What the browser sends when points are clicked or lassoed (AppTest has no API for a chart selection)."""
    chart = at.get("plotly_chart")[0]
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    state.string_value = json.dumps({"selection": {"points": [{"customdata": r} for r in rows], "point_indices": rows,
                                                   "box": [], "lasso": []}})
    at._run(states)
    assert not at.exception, at.exception
    return at


def test_customer_lookup_by_id_and_by_pick(planted_ws, planted_run):
    at = open_run_page(planted_run.run_id, "map")
    people = open_run(planted_run.run_id, planted_ws)
    row = int(np.flatnonzero(planted_run.data.truth == 1)[3])
    expected = explain_rows(people, [row])[0]
    at.text_input(key="lookup-id").input(expected["id"]).run()
    assert not at.exception and not at.error
    assert _card_says(at, expected)
    texts = [t.value for t in at.text]
    assert expected["reasons"][0]["sentence"] in texts and people.texts[row] in texts
    assert len(at.get("plotly_chart")) == 2  # the map and the reasons

    at.text_input(key="lookup-id").input("nobody").run()
    assert any("1 of the 1 ids to look up are not customers of this run" in e.value.replace("\\", "")
               for e in at.error)

    pick = at.selectbox(key="lookup-pick")
    at = pick.select(pick.options[0]).run()
    picked = pick.options[0].split(" · ")[0]
    assert not at.error and at.text_input(key="lookup-id").value == picked
    assert _card_says(at, explain_rows(people, [list(people.ids).index(picked)])[0])


def test_clicking_a_point_explains_that_customer(planted_ws, planted_run):
    at = open_run_page(planted_run.run_id, "map")
    people = open_run(planted_run.run_id, planted_ws)
    at = _select_on_map(at, [11])
    assert _card_says(at, explain_rows(people, [11])[0])


def test_lookalikes_of_a_map_selection_download_as_csv(planted_ws, planted_run, downloads):
    truth = planted_run.data.truth
    seeds = np.flatnonzero(truth == 0)[:30].tolist()
    at = _select_on_map(open_run_page(planted_run.run_id, "map"), seeds)
    assert _metrics(at)  # the selection's profile is drawn
    at.toggle(key="selection-toggle").set_value(True).run()
    at.slider(key="selection-size").set_value(150).run()
    assert not at.exception and not at.error
    assert [b.proto.label for b in at.get("download_button")] == ["Audience of 150 (CSV)"]
    audience = pd.read_csv(io.BytesIO(downloads[f"lookalikes-{planted_run.run_id}-selection.csv"]),
                           encoding="utf-8-sig", dtype={"id": str})
    ids = planted_run.result.customers.frame["id"].to_numpy()
    assert list(audience.columns) == ["id", "rank", "score", "segment_id"] and len(audience) == 150
    assert not set(audience["id"]) & set(ids[seeds])
    assert pd.Series(audience["id"]).isin(ids[truth == 0]).mean() >= 0.9
    assert any("score at least" in c.value for c in at.caption)


def test_segment_card_lookalikes_with_hashed_ids(planted_ws, planted_run, downloads):
    at = open_run_page(planted_run.run_id, "segments")
    at.toggle(key="look-0-toggle").set_value(True).run()
    at.slider(key="look-0-size").set_value(40).run()
    assert not at.exception and not at.error
    preview = next(d.value for d in at.dataframe if "rank" in d.value.columns)
    assert len(preview) == 20 and preview["rank"].tolist() == list(range(1, 21))
    plain = pd.read_csv(io.BytesIO(downloads[f"lookalikes-{planted_run.run_id}-look-0.csv"]), encoding="utf-8-sig",
                        dtype={"id": str})
    assert len(plain) == 40 and (plain["segment_id"] != 0).all()
    assert plain["id"].head(20).tolist() == preview["id"].tolist()
    at.toggle(key="look-0-hash").set_value(True).run()
    hashed = pd.read_csv(io.BytesIO(downloads[f"lookalikes-{planted_run.run_id}-look-0-hashed-ids.csv"]),
                         encoding="utf-8-sig", dtype={"id": str})
    assert hashed["id"].tolist() == hash_ids(plain["id"], workspace_key(planted_ws)).tolist()


def test_lookalikes_of_an_uploaded_id_list(planted_ws, planted_run, downloads):
    truth = planted_run.data.truth
    ids = planted_run.result.customers.frame["id"].to_numpy()
    seeds = ids[truth == 2][:30].tolist()
    at = open_run_page(planted_run.run_id, "map")
    upload = ("customer_id\n" + "\n".join(seeds + ["ghost-1", "ghost-2"]) + "\n").encode()
    at.file_uploader(key="seed-upload").upload("best.txt", upload, "text/plain").run()
    assert not at.exception and not at.error
    assert any("2 of the 32 ids are not customers of this run" in w.value for w in at.warning)
    at.slider(key="upload-size").set_value(100).run()
    audience = pd.read_csv(io.BytesIO(downloads[f"lookalikes-{planted_run.run_id}-upload.csv"]), encoding="utf-8-sig",
                           dtype={"id": str})
    assert len(audience) == 100 and not set(audience["id"]) & set(seeds)
    assert audience["id"].isin(ids[truth == 2]).mean() >= 0.9
