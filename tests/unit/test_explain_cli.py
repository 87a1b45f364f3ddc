"""``python -m core explain`` and ``python -m core lookalike``: the files they write, and one clear sentence for
unknown ids, empty seed lists and seeds that are not in the run."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.explain.explanations import explain_rows
from core.ingest.privacy import hash_ids, workspace_key
from core.runs.export import json_text
from core.runs.opened import open_run


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_error(code: int, err: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


def test_explain_writes_one_explanation_per_id(planted_run, tmp_path, capsys):
    ids = ["g0-0001", "g2-0005", "between-0003"]
    (tmp_path / "ids.txt").write_text("customer_id\n" + "\n".join(ids) + "\n")
    code, out, err = _run(capsys, "explain", planted_run.run_id, "--ids", tmp_path / "ids.txt", "--out",
                          tmp_path / "out", "--workspace", planted_run.workspace)
    assert code == 0, err
    explanations = json.loads((tmp_path / "out" / "explanations.json").read_text())
    assert [e["id"] for e in explanations] == ids
    for item in explanations:
        assert {"segment_id", "segment_name", "membership", "runner_up", "margin", "reasons",
                "similar_members"} <= set(item)
        assert {"column", "value", "segment_value", "everyone_value", "sentence"} <= set(item["reasons"][0])
    assert "explained 3 customer(s)" in out and "g0-0001" in out
    people = open_run(planted_run.run_id, planted_run.workspace)  # explained again without the workspace's word counts
    rows = [list(people.ids).index(i) for i in ids]
    assert explanations == json.loads(json_text(explain_rows(people, rows)))


def test_unknown_ids_are_counted_in_one_sentence(planted_run, tmp_path, capsys):
    code, _, err = _run(capsys, "explain", planted_run.run_id, "--ids", "g0-0001,nobody,ghost", "--out",
                        tmp_path / "out", "--workspace", planted_run.workspace)
    assert "2 of the 3 ids to explain are not customers of this run ('nobody', 'ghost')" in _one_error(code, err)
    assert not (tmp_path / "out" / "explanations.json").exists()
    code, _, err = _run(capsys, "explain", planted_run.run_id, "--ids", "g0-0001,nobody", "--out", tmp_path / "out",
                        "--workspace", planted_run.workspace, "--ignore-unknown")
    assert code == 0 and "skipped 1 id(s)" in err
    assert len(json.loads((tmp_path / "out" / "explanations.json").read_text())) == 1


def test_lookalike_audience_opens_in_pandas_with_the_right_rows(planted_run, tmp_path, capsys):
    seeds = planted_run.data.frame["customer_id"][planted_run.data.truth == 1].head(30).tolist()
    (tmp_path / "seeds.csv").write_text("id,note\n" + "\n".join(f"{s},best" for s in seeds) + "\n")
    code, out, err = _run(capsys, "lookalike", planted_run.run_id, "--seeds", tmp_path / "seeds.csv", "--size", "150",
                          "--out", tmp_path / "out", "--workspace", planted_run.workspace)
    assert code == 0, err
    audience = pd.read_csv(tmp_path / "out" / "audience.csv", encoding="utf-8-sig", dtype={"id": str})
    assert list(audience.columns) == ["id", "rank", "score", "segment_id"] and len(audience) == 150
    assert audience["rank"].tolist() == list(range(1, 151)) and audience["score"].is_monotonic_decreasing
    assert not set(audience["id"]) & set(seeds) and audience["id"].str.startswith("g1-").mean() >= 0.9
    curve = pd.read_csv(tmp_path / "out" / "curve.csv", encoding="utf-8-sig")
    assert list(curve.columns) == ["min_similarity", "audience_size"] and curve["audience_size"].max() == 600
    assert "150 lookalikes of 30 seed(s)" in out


def test_lookalike_threshold_segment_seeds_exclusion_and_hashed_ids(planted_run, tmp_path, capsys):
    labels = planted_run.result.clustering.labels
    common = ["--seed-segment", "0", "--out", tmp_path / "out", "--workspace", planted_run.workspace]
    code, _, err = _run(capsys, "lookalike", planted_run.run_id, "--exclude-segment", "2", "--min-similarity", "-1",
                        "--hash-ids", *common)
    assert code == 0, err
    audience = pd.read_csv(tmp_path / "out" / "audience.csv", encoding="utf-8-sig", dtype={"id": str})
    segment_one = pd.Series(planted_run.result.customers.frame["id"][labels == 1])
    assert set(audience["id"]) == set(hash_ids(segment_one, workspace_key(planted_run.workspace)))
    code, _, err = _run(capsys, "lookalike", planted_run.run_id, "--min-similarity", "0.2", *common)
    assert code == 0, err
    above = pd.read_csv(tmp_path / "out" / "audience.csv", encoding="utf-8-sig", dtype={"id": str})
    curve = pd.read_csv(tmp_path / "out" / "curve.csv", encoding="utf-8-sig")
    assert (above["score"] >= 0.2).all() and 0 < len(above) < (labels != 0).sum()
    assert (above["segment_id"] != 0).all() and len(above) <= curve["audience_size"].max()


def test_bad_seed_lists_are_one_clear_sentence(planted_run, tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("id\n\n")
    common = ["--out", tmp_path / "out", "--workspace", planted_run.workspace]
    code, _, err = _run(capsys, "lookalike", planted_run.run_id, "--seeds", tmp_path / "empty.txt", *common)
    assert "The list of seed ids is empty" in _one_error(code, err)
    code, _, err = _run(capsys, "lookalike", planted_run.run_id, "--seeds", "x1,x2,g0-0001,x3,x4", *common)
    assert "4 of the 5 seed ids are not customers of this run ('x1', 'x2', 'x3', …)" in _one_error(code, err)
    code, _, err = _run(capsys, "lookalike", planted_run.run_id, "--seeds", "x1,x2", "--ignore-unknown", *common)
    assert "2 of the 2 seed ids are not customers" in _one_error(code, err)
    code, _, err = _run(capsys, "lookalike", planted_run.run_id, "--seed-segment", "7", *common)
    assert "There is no segment 7" in _one_error(code, err)
    with pytest.raises(SystemExit) as exit_:
        main(["lookalike", planted_run.run_id, "--seeds", "g0-0001", "--method", "magic", "--out", str(tmp_path)])
    assert exit_.value.code == 2 and "invalid choice: 'magic'" in _one_error(2, capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_a_folder_without_the_customers_values_says_to_segment_again(planted_run, tmp_path, capsys):
    folder = tmp_path / "old-run"
    shutil.copytree(planted_run.workspace / "runs" / planted_run.run_id, folder)
    (folder / "customers.parquet").unlink()
    code, _, err = _run(capsys, "explain", folder, "--ids", "g0-0001", "--out", tmp_path / "out")
    assert "run the segmentation again" in _one_error(code, err)
    assert np.isfinite(planted_run.result.segments_frame()["margin"]).all()
