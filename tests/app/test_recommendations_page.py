"""AppTest for recommendations in the app: the interactions upload on the Data page, the run with
interactions, the Recommendations page (empty state, lists, lookup, evaluation), the Export page's
files, cold start, and lists that follow edited segments. Synthetic data (core.testing.synthetic), fake embedder."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.ingest.io import load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.runs.curate import merge_segments, reset_curation
from core.runs.store import HISTORY_FILE, list_runs, load_run, save_run
from core.segment.cluster import ClusterParams
from core.testing.synthetic import generate
from tests.app.test_pages import APP, RUN_TIMEOUT, _page
from ui.recommend import customer_lookup, recommendation_files, segments_changed


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def test_without_interactions_the_page_says_what_to_upload(ws, tmp_path):
    at = AppTest.from_file(APP, default_timeout=60).run()
    _page(at, "recommendations")
    assert not at.exception
    assert at.title[0].value == "Recommendations"
    assert "no segmentation yet" in at.info[0].value  # no run at all: how to get one

    users = tmp_path / "users.csv"
    generate(n_users=60, n_items=30, n_segments=2, n_categories=4, seed=3).users.to_csv(users, index=False)
    params = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=2))
    at.session_state["run_id"] = save_run(run_segmentation(load_table(users), params, ws), ws)
    _page(at, "recommendations")
    assert not at.exception
    assert "upload an interactions table" in at.info[0].value
    assert not at.dataframe


def test_upload_interactions_run_and_read_recommendations(ws):
    data = generate(n_users=150, n_items=60, n_segments=3, n_categories=6, mean_interactions=8, seed=1)
    data.interactions.loc[0, "item_id"] = "=HYPERLINK(\"x\")"  # an item id that would be a formula in Excel
    at = AppTest.from_file(APP, default_timeout=60).run()
    _page(at, "data")
    at.file_uploader(key="upload").upload("users.csv", _csv(data.users), "text/csv")
    at.run()
    at.file_uploader(key="upload-interactions").upload("events.csv", _csv(data.interactions), "text/csv")
    at.run()
    at.file_uploader(key="upload-items").upload("items.csv", _csv(data.items), "text/csv")
    at.run()
    assert not at.exception
    picked = {s.label: s.value for s in at.selectbox}
    assert picked["Customer id column"] == "customer_id"  # the users' id column name
    assert picked["Item id column"] == "item_id"
    assert picked["Value column"] == "amount"
    assert picked["Time column"] == "time"
    assert at.session_state["interaction_columns"]["item_col"] == "item_id"
    assert not [w for w in at.warning if "No column describes" in w.value]

    _page(at, "map")
    assert at.slider(key="p-w-behaviour").value == 1.0
    at.radio(key="p-algo").set_value("kmeans").run()
    at.number_input(key="p-k").set_value(3)
    at.number_input(key="p-top-k").set_value(5)
    at.button(key="run").click().run(timeout=RUN_TIMEOUT)
    assert not at.exception, at.exception
    run = load_run(ws, list_runs(ws)[0]["run_id"])
    assert run.recommendations is not None and run.evaluation["k"] == 5

    _page(at, "recommendations")
    assert not at.exception
    lift, popular, evaluation = (d.value for d in at.dataframe)  # dataframes carry no key in AppTest
    assert popular["reason"].str.contains("of this segment").all()
    assert lift["reason"].str.contains("vs").all() and "item_name" in popular.columns
    assert "Global popularity (baseline)" in evaluation["method"].tolist()
    assert {"precision@5", "recall@5", "NDCG@5", "coverage"} <= set(evaluation.columns)
    assert len(at.get("plotly_chart")) == 1

    customer = str(data.users["customer_id"].iloc[3])
    at.selectbox(key="rec-customer").set_value(customer).run()
    assert not at.exception
    mine = at.dataframe[2].value
    assert 0 < len(mine) <= 5
    seen = set(data.interactions.loc[data.interactions["customer_id"].astype(str) == customer, "item_id"])
    assert not seen & set(mine["item_id"])

    _page(at, "export")
    assert not at.exception
    labels = {b.label for b in at.get("download_button")}
    assert {"recommendations.csv", "user_recommendations.csv", "evaluation.json"} <= labels
    files = recommendation_files(str(run.folder), 0.0, run)
    users = pd.read_csv(io.BytesIO(files["user_recommendations.csv"]), dtype=str)
    assert list(users.columns) == ["id", "rank", "item_id", "score", "because", "reason"]
    assert not users["item_id"].str.startswith("=").any()  # formula-safe
    lists = pd.read_csv(io.BytesIO(files["recommendations.csv"]))
    assert {"segment_id", "rank", "item_id", "score", "reason", "item_name"} <= set(lists.columns)
    assert json.loads(files["evaluation.json"])["methods"]["popularity"]["precision"] >= 0
    hashed = pd.read_csv(io.BytesIO(recommendation_files(str(run.folder), 0.0, run, True)["user_recommendations.csv"]),
                         dtype=str)
    assert hashed["item_id"].equals(users["item_id"]) and not set(hashed["id"]) & set(users["id"])


@pytest.mark.slow
def test_cold_start_customers_are_told_and_lists_follow_edited_segments(ws):
    data = generate(n_users=150, n_items=60, n_segments=3, n_categories=6, mean_interactions=8, seed=2)
    cold = str(data.users["customer_id"].iloc[0])
    events = data.interactions[data.interactions["customer_id"].astype(str) != cold]
    at = AppTest.from_file(APP, default_timeout=60).run()
    _page(at, "data")
    at.file_uploader(key="upload").upload("users.csv", _csv(data.users), "text/csv")
    at.run()
    at.file_uploader(key="upload-interactions").upload("events.csv", _csv(events), "text/csv")
    at.run()
    _page(at, "map")
    at.radio(key="p-algo").set_value("kmeans").run()
    at.number_input(key="p-k").set_value(3)
    at.button(key="run").click().run(timeout=RUN_TIMEOUT)
    assert not at.exception, at.exception
    run_id = list_runs(ws)[0]["run_id"]
    run = load_run(ws, run_id)
    assert customer_lookup(run, cold)[2]
    assert not customer_lookup(run, str(events["customer_id"].iloc[0]))[2]

    _page(at, "recommendations")
    at.selectbox(key="rec-customer").set_value(cold).run()
    assert any("cold start" in i.value for i in at.info)
    assert not at.warning

    assert not segments_changed(run)
    before = run.recommendations
    keep = customer_lookup(run, cold)[1]
    absorb = next(s for s in sorted(set(run.segments["segment_id"])) if s not in (keep, -1))
    merge_segments(ws, run_id, keep, absorb)  # curation rewrites the segments (a saved selection does too)
    edited = load_run(ws, run_id)
    assert segments_changed(edited)
    assert absorb in set(before["segment_id"]) and absorb not in set(edited.recommendations["segment_id"])
    assert not edited.recommendations.equals(before)
    assert customer_lookup(edited, cold)[1:] == (keep, True)  # still their (grown) segment's list
    assert "segments_edited" in edited.evaluation
    _page(at, "recommendations")
    assert not at.exception
    assert not at.warning
    assert any("the lists follow the edited segments" in c.value for c in at.caption)

    reset_curation(ws, run_id)  # back to the segmentation the run made: its lists, no note
    reset = load_run(ws, run_id)
    pd.testing.assert_frame_equal(reset.recommendations, before)
    assert "segments_edited" not in reset.evaluation

    merge_segments(ws, run_id, keep, absorb)
    (edited.folder / HISTORY_FILE).unlink()  # a run saved without its history: the lists are marked stale
    _page(at, "recommendations")
    assert any("edited after this run made its recommendations" in w.value for w in at.warning)


@pytest.mark.slow
def test_the_shop_demo_shows_recommendations_with_reasons_and_the_evaluation_without_an_upload(ws):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.button(key="start-shop-demo").click().run()
    assert not at.exception
    assert at.session_state["interaction_columns"]["time_col"] == "timestamp"
    _page(at, "data")  # the Data page shows the demo's tables, labelled synthetic, with nothing to upload
    assert not at.exception and any("Synthetic shop" in c.value for c in at.caption)
    assert {s.label: s.value for s in at.selectbox}["How times are written"] == "auto"
    _page(at, "map")
    at.radio(key="p-algo").set_value("kmeans").run()
    at.number_input(key="p-k").set_value(4)
    assert at.radio(key="p-method").value == "ease"  # the default per-customer method, from RecommendParams
    at.button(key="run").click().run(timeout=RUN_TIMEOUT)
    assert not at.exception, at.exception
    run = load_run(ws, list_runs(ws)[0]["run_id"])
    assert any(n.startswith("Read 'timestamp' as Unix seconds") for n in run.run_info["notices"])

    _page(at, "recommendations")
    assert not at.exception
    assert any("Synthetic shop" in i.value for i in at.info)  # labelled as synthetic
    lift, popular, evaluation = (d.value for d in at.dataframe)
    assert len(popular) == 10 and popular["reason"].str.contains("of this segment").all()
    assert popular["item_name"].notna().all()
    methods = evaluation["method"].tolist()
    assert methods[:3] == ["Global popularity (baseline)", "Item-kNN, cosine (baseline)",
                           "EASE, recent history — your customer lists"]
    assert evaluation["precision@10"].iloc[2] > 1.3 * evaluation["precision@10"].iloc[0]
    assert any("the latest 20% of their items" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 1

    customer = run.user_recommendations["id"].iloc[0]
    at.selectbox(key="rec-customer").set_value(customer).run()
    assert not at.exception
    mine = at.dataframe[2].value
    assert len(mine) == 10 and mine["reason"].str.startswith("because they chose").mean() > 0.5
    assert any("latest choices counting most" in c.value for c in at.caption)
