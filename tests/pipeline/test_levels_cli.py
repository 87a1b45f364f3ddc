"""``segment --levels 2`` on the command line: parent columns, parents.json, one-sentence errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core.testing.nested import planted_levels
from tests.pipeline.test_cli import assert_clean_error, run_cli


@pytest.mark.slow
def test_segment_with_two_levels_writes_parents_beside_the_segments(tmp_path):
    data = planted_levels()
    data.frame.to_csv(tmp_path / "planted.csv", index=False)
    out = tmp_path / "out"
    proc = run_cli("segment", tmp_path / "planted.csv", "--out", out, "--workspace", tmp_path / "ws",
                   "--algo", "kmeans", "--k", "3", "--levels", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "3 segments" in proc.stdout and "6 inside them" in proc.stdout
    segments = pd.read_csv(out / "segments.csv", encoding="utf-8-sig")
    truth = data.frame.set_index("customer_id").index
    assert segments["id"].tolist() == truth.tolist()
    assert adjusted_rand_score(data.group, segments["parent_id"]) >= 0.9
    assert adjusted_rand_score(data.subgroup, segments["segment_id"]) >= 0.9
    profiles = json.loads((out / "profiles.json").read_text(encoding="utf-8"))
    parents = json.loads((out / "parents.json").read_text(encoding="utf-8"))
    assert sorted(p["segment_id"] for p in profiles) == list(range(6))
    assert sorted(c for p in parents for c in p["children"]) == list(range(6))
    names = dict(zip(segments["parent_id"], segments["parent_name"], strict=False))
    assert all(names[p["parent"]] == p["parent_name"] for p in profiles)
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["parameters"]["levels"] == {"levels": 2,
                                                                                                   "sub_k": "auto"}


@pytest.mark.parametrize("options, words", [
    (["--levels", "3"], ["number of levels", "from 1 to 2"]),
    (["--levels", "2", "--sub-k", "4"], ["HDBSCAN does not take"]),
    (["--levels", "2", "--engine", "ray"], ["--levels 2 works with --engine local only"]),
])
def test_bad_level_options_are_one_sentence_and_write_nothing(tmp_path, options, words):
    data = planted_levels(n_per_subgroup=5)
    data.frame.to_csv(tmp_path / "planted.csv", index=False)
    proc = run_cli("segment", tmp_path / "planted.csv", "--out", tmp_path / "out", "--workspace", tmp_path / "ws",
                   *options)
    assert_clean_error(proc, *words)
    assert not (tmp_path / "out").exists()
