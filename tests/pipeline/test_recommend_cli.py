"""The command line with interactions and items: a users table without text, segments and both lists."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.testing.synthetic import generate
from tests.pipeline.test_cli import assert_clean_error, run_cli


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop")
    data = generate(n_users=400, n_items=250, n_segments=3, n_categories=9, mean_interactions=12, seed=7)
    data.users.to_csv(folder / "users.csv", index=False)  # customer_id, age, region: no text at all
    items = data.items.copy()
    top = data.interactions["item_id"].value_counts().index[0]  # surely in every popular list
    items.loc[items["item_id"] == top, "name"] = "=HYPERLINK(\"http://x\")"
    items.loc[1, "category"] = "cat 1; cat 2"
    items.to_csv(folder / "items.csv", index=False)
    data.interactions.rename(columns={"customer_id": "buyer"}).to_csv(folder / "events.csv", index=False, sep=";")
    return folder, data


@pytest.mark.slow
def test_users_without_text_plus_interactions_and_items(files, tmp_path):
    folder, data = files
    out = tmp_path / "out"
    proc = run_cli("segment", folder / "users.csv", "--out", out, "--workspace", tmp_path / "ws",
                   "--interactions", folder / "events.csv", "--interactions-user-col", "buyer", "--item-col", "item_id",
                   "--value-col", "amount", "--time-col", "time", "--items", folder / "items.csv", "--top-k", "7",
                   "--weight", "behaviour=2", "--algo", "kmeans", "--k", "3", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "ease precision@7" in proc.stdout and "against item-kNN" in proc.stdout and "Traceback" not in proc.stderr
    segments = pd.read_csv(out / "segments.csv", encoding="utf-8-sig")
    assert len(segments) == 400 and segments["segment_id"].nunique() == 3

    lists = pd.read_csv(out / "recommendations.csv", encoding="utf-8-sig")
    assert list(lists.columns) == ["segment_id", "rank", "item_id", "score", "reason", "item_name", "list"]
    assert set(lists["list"]) == {"lift", "popular"} and lists.groupby(["segment_id", "list"]).size().max() == 7
    assert lists["item_name"].str.startswith("'=HYPERLINK").any() and not lists["item_name"].str.startswith("=").any()

    users = pd.read_csv(out / "user_recommendations.csv", encoding="utf-8-sig")
    assert list(users.columns) == ["id", "rank", "item_id", "score", "because", "reason"]
    assert users["id"].nunique() == 400 and users.groupby("id").size().max() == 7
    had = set(zip(data.interactions["customer_id"], data.interactions["item_id"], strict=False))
    assert not any(pair in had for pair in zip(users["id"], users["item_id"], strict=False))

    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["k"] == 7 and evaluation["holdout"]["temporal"] and evaluation["default"] == "ease"
    assert "the latest 20% of their items" in evaluation["holdout"]["by"]
    assert set(evaluation["methods"]) == {"popularity", "item_knn", "segment_lift", "segment_popular", "blend", "ease"}
    run = json.loads((out / "run.json").read_text())
    assert run["parameters"]["weights"]["behaviour"] == 2.0 and run["embedding"]["model"] is None
    assert run["interactions"]["user_col"] == "buyer" and run["recommend"]["parameters"]["top_k"] == 7


@pytest.mark.slow
def test_users_table_of_ids_alone_segments_on_behaviour(files, tmp_path):
    folder, data = files
    data.users[["customer_id"]].to_csv(folder / "ids.csv", index=False)
    out = tmp_path / "out"
    proc = run_cli("segment", folder / "ids.csv", "--out", out, "--workspace", tmp_path / "ws",
                   "--interactions", folder / "events.csv", "--interactions-user-col", "buyer", "--item-col", "item_id",
                   "--algo", "kmeans", "--k", "3", "--quiet")
    assert proc.returncode == 0, proc.stderr
    segments = pd.read_csv(out / "segments.csv", encoding="utf-8-sig")
    assert len(segments) == 400 and segments["segment_id"].nunique() == 3
    assert (out / "user_recommendations.csv").exists()


def test_unknown_columns_of_both_tables_in_one_error(files, tmp_path):
    folder, _ = files
    proc = run_cli("segment", folder / "users.csv", "--out", tmp_path / "o", "--workspace", tmp_path / "ws",
                   "--interactions", folder / "events.csv", "--item-col", "sku", "--value-col", "price",
                   "--items", folder / "items.csv")
    assert_clean_error(proc, "'customer_id'", "'sku'", "'price'", "items.csv")


@pytest.mark.slow
def test_a_ratings_log_with_unix_second_timestamps_runs_with_a_notice(files, tmp_path):
    folder, data = files
    ratings = data.interactions.rename(columns={"customer_id": "userId", "item_id": "movieId"})
    since_epoch = pd.to_datetime(ratings.pop("time")) - pd.Timestamp("1970-01-01")
    ratings["timestamp"] = since_epoch // pd.Timedelta(seconds=1)  # Unix seconds, as ratings logs ship
    ratings["rating"] = 4
    ratings[["userId", "movieId", "rating", "timestamp"]].to_csv(folder / "ratings.csv", index=False)
    data.users.rename(columns={"customer_id": "userId"}).to_csv(folder / "people.csv", index=False)
    out = tmp_path / "out"
    proc = run_cli("segment", folder / "people.csv", "--out", out, "--workspace", tmp_path / "ws",
                   "--interactions", folder / "ratings.csv", "--item-col", "movieId", "--value-col", "rating",
                   "--time-col", "timestamp", "--method", "item_knn", "--algo", "kmeans", "--k", "3", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "note: Read 'timestamp' as Unix seconds, from 2025-01-01 to 2025-12-3" in proc.stderr
    assert "item_knn precision@10" in proc.stdout
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["holdout"]["temporal"] and evaluation["default"] == "item_knn"


@pytest.mark.parametrize("args,word", [
    (["--item-col", "item_id"], "only apply with --interactions"),
    (["--time-unit", "ms"], "only apply with --interactions"),
    (["--interactions", "{folder}/events.csv", "--interactions-user-col", "buyer", "--item-col", "item_id",
      "--time-unit", "ms"], "name that column too"),
    (["--interactions", "{folder}/events.csv", "--interactions-user-col", "buyer", "--item-col", "item_id",
      "--method", "als"], "invalid choice"),
    (["--interactions", "{folder}/events.csv"], "'customer_id'"),  # item_id guessed; the users' id is not there
    (["--interactions", "{folder}/events.csv", "--interactions-user-col", "buyer", "--item-col", "item_id",
      "--top-k", "0"], "top-k"),
])
def test_bad_recommendation_options_exit_2(files, tmp_path, args, word):
    folder, _ = files
    args = [a.format(folder=folder) for a in args]
    proc = run_cli("segment", folder / "users.csv", "--out", tmp_path / "o", "--workspace", tmp_path / "ws", *args)
    assert_clean_error(proc, word)
