"""The use cases of core/tasks with the fake embedder: each writes what its command writes, returns what the
adapters present, and the engine refuses the local-only options off the local engine."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from core import (
    EngineParams,
    LookalikeParams,
    SegmentParams,
    guess_interaction_columns,
    guess_item_column,
    load_run,
    load_table,
    tasks,
)
from core.errors import ParameterError
from core.ingest.io import LoadedTable
from core.runs.opened import open_run
from core.segment.cluster import ClusterParams
from core.segment.reduce import ReduceParams

PARAMS = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=3, seed=0),
                       reduce=ReduceParams(n_components=5, n_neighbors=15),
                       map=ReduceParams(n_components=2, n_neighbors=15))
RAY = tasks.Engine(EngineParams(engine="ray"))


def test_segment_writes_the_folder_of_the_pipelines_result(planted_run, tmp_path):
    done = tasks.segment(planted_run.csv, PARAMS, planted_run.workspace, out=tmp_path / "out")
    written = pd.read_csv(done.paths["segments"], encoding="utf-8-sig")
    assert (written["segment_id"].to_numpy() == planted_run.result.clustering.labels).all()
    assert done.customers == len(written) and done.quality["n_segments"] == 3 and done.run_id is None
    assert {"customers.parquet", "texts.parquet", "model"} <= {p.name for p in (tmp_path / "out").iterdir()}
    assert json.loads(done.paths["run"].read_text())["command"] == "segment"


def test_segment_of_a_loaded_table_saves_a_run_without_writing_a_folder(planted_csv, workspace):
    params = replace(PARAMS, reduce=ReduceParams(n_components=3, n_neighbors=10),
                     map=ReduceParams(n_components=2, n_neighbors=10))
    done = tasks.segment(load_table(planted_csv), params, workspace, save=True)
    assert done.paths == {} and done.run_id is not None
    assert len(load_run(workspace, done.run_id).segments) == done.customers


def test_off_the_local_engine_the_local_only_options_are_refused_in_one_sentence(planted_run, tmp_path):
    with pytest.raises(ParameterError, match=r"^--hash-ids works with --engine local only; leave it out"):
        tasks.segment(planted_run.csv, PARAMS, tmp_path, engine=RAY, out=tmp_path, hash_ids_out=True)
    with pytest.raises(ParameterError, match=r"^--interactions, --hash-ids work with --engine local only"):
        RAY.check(interactions=True, hash_ids=True)
    assert tasks.LOCAL.check(interactions=True, hash_ids=True) is tasks.LOCAL
    with pytest.raises(ParameterError, match="reads files"):
        tasks.segment(load_table(planted_run.csv), PARAMS, tmp_path, engine=RAY, out=tmp_path)


def test_assign_gives_the_training_customers_their_own_segments(planted_run, tmp_path):
    done = tasks.assign(planted_run.run_id, planted_run.csv, planted_run.workspace, tmp_path)
    labels = pd.read_csv(done.paths["segments"], encoding="utf-8-sig")["segment_id"].to_numpy()
    assert (labels == planted_run.result.clustering.labels).mean() > 0.95
    assert sum(done.segments.values()) == done.customers == len(labels) and done.assigned_segments == 3


def test_refresh_saves_or_writes_and_track_matches_a_run_to_itself(planted_run, tmp_path):
    saved = tasks.refresh(planted_run.run_id, planted_run.csv, planted_run.workspace, save=True)
    assert saved.paths == {} and saved.refresh_id and saved.moved <= 0.05 * len(saved.refresh.segments)
    written = tasks.refresh(saved.refresh_id, load_table(planted_run.csv), planted_run.workspace, out=tmp_path / "r")
    assert written.refresh_id is None and written.paths["changes"].exists()
    tracked = tasks.track(planted_run.run_id, planted_run.run_id, planted_run.workspace, tmp_path / "t")
    assert {m["a"] for m in tracked.report["matches"]} == {0, 1, 2} and tracked.paths["track"].exists()


def test_explain_writes_the_known_ids_and_says_which_were_skipped(planted_run, tmp_path):
    ids = ",".join([*planted_run.data.frame["customer_id"].head(3), "nobody"])
    done = tasks.explain(planted_run.run_id, ids, planted_run.workspace, tmp_path, ignore_unknown=True)
    assert [e["id"] for e in json.loads(done.path.read_text())] == list(planted_run.data.frame["customer_id"].head(3))
    assert done.unknown == ["nobody"]


def test_lookalike_writes_the_audience_its_chain_finds_and_top_cuts_it(planted_run, tmp_path):
    people = open_run(planted_run.run_id, planted_run.workspace)
    seed_segment = int(people.labels[0])
    done = tasks.lookalike(planted_run.run_id, seed_segment, planted_run.workspace, tmp_path,
                           LookalikeParams(size=50), hash_ids_out=True)
    assert len(done.frame) == 50 and not set(done.rows) & set(done.seeds)
    assert (people.labels[done.seeds] == seed_segment).all()
    assert not set(pd.read_csv(done.paths["audience"])["id"]) & set(people.ids)  # keyed hashes
    found = tasks.find_lookalikes(people, done.seeds, LookalikeParams(size=50), scores=done.scores)
    assert (found.rows == done.rows).all() and found.available == done.available
    assert list(found.top(10).frame["rank"]) == list(range(1, 11))
    with pytest.raises(ParameterError, match="no segment 9"):
        tasks.lookalike(planted_run.run_id, 9, planted_run.workspace, tmp_path, LookalikeParams())


def test_sweep_writes_the_table_and_a_saved_run_gives_its_setting_and_new_parameters(planted_run, tmp_path):
    done = tasks.sweep(planted_run.csv, PARAMS, planted_run.workspace, tmp_path, [2, 3, 4])
    assert [r["value"] for r in done.found["rows"]] == [2, 3, 4] and done.paths["sweep"].exists()
    run = load_run(planted_run.workspace, planted_run.run_id)
    params, current = tasks.current_setting(run)
    assert params.algo == "kmeans" and current == 3
    assert tasks.with_setting(run, "k", 5).cluster.settings.k == 5
    assert tasks.sweep_run(run)["parameter"] == "k"


def test_curate_applies_one_edit_and_writes_the_curated_files(planted_csv, workspace, tmp_path):
    params = replace(PARAMS, reduce=ReduceParams(n_components=3, n_neighbors=10),
                     map=ReduceParams(n_components=2, n_neighbors=10))
    run_id = tasks.segment(planted_csv, params, workspace, save=True).run_id
    assert run_id is not None
    done = tasks.curate(workspace, run_id, tasks.Rename(0, "Renamed"), tmp_path)
    assert next(p["name"] for p in done.run.profiles if p["segment_id"] == 0) == "Renamed"
    assert json.loads(done.paths["run"].read_text())["command"] == "curate"
    assert tasks.curate(workspace, run_id).paths == {}
    merged = tasks.curate(workspace, run_id, tasks.Merge(0, 1)).run
    assert 1 not in set(merged.segments["segment_id"])
    assert tasks.curate(workspace, run_id, tasks.Reset()).run.segments["segment_id"].nunique() == 3


def test_the_data_checks_follow_the_pipelines_rules():
    assert tasks.role_problems({"when": "date", "who": "id"}) == []  # a date describes customers, as in core
    assert len(tasks.role_problems({"a": "id", "b": "id"})) == 2
    assert tasks.role_problems({"a": "ignore"}, has_interactions=True) == []
    chinese = LoadedTable(frame=pd.DataFrame({"t": ["这件衣服非常好看，质量也很好"] * 30}), name="t", format="csv",
                          content_hash="")
    english = LoadedTable(frame=pd.DataFrame({"t": ["This dress is lovely and the fabric is soft"] * 30,
                                              "long": ["x" * 3000] * 30}), name="e", format="csv",
                          content_hash="")
    assert "multilingual" in (tasks.language_notice(chinese, {"t": "text"}) or "")
    assert tasks.language_notice(english, {"t": "text"}) is None
    assert tasks.long_text_cells(english, {"t": "text", "long": "text"}) == 30
    assert tasks.long_text_cells(english, {"t": "text"}) == 0


def test_interaction_columns_are_guessed_by_name():
    columns = ["customer_id", "product", "qty", "order_date"]
    assert guess_interaction_columns(columns, "customer_id") == {
        "user_col": "customer_id", "item_col": "product", "value_col": "qty", "time_col": "order_date"}
    assert guess_interaction_columns(["user", "thing"], None)["item_col"] == "thing"
    assert guess_item_column(["buyer", "sku_code", "amount"]) == "sku_code"
    assert guess_item_column(["buyer", "thing"]) is None  # the command line then asks for --item-col


def test_python_m_core_without_a_command_names_the_real_help(capsys):
    from core.cli import main

    with pytest.raises(SystemExit) as stopped:
        main([])
    assert stopped.value.code == 2
    assert "Run 'python -m core --help'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["segment"])
    assert "Run 'python -m core segment --help'" in capsys.readouterr().err
