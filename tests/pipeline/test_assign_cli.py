"""``python -m core assign`` on the output folder of ``segment``, with the real model."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import planted_customers
from tests.pipeline.test_cli import assert_clean_error, run_cli


@pytest.mark.slow
def test_segment_then_assign_from_the_output_folder(planted_csv, tmp_path):
    ws, out = tmp_path / "ws", tmp_path / "seg"
    seg = run_cli("segment", planted_csv, "--out", out, "--workspace", ws, "--algo", "kmeans", "--k", "3", "--quiet")
    assert seg.returncode == 0, seg.stderr
    model_files = sorted(p.name for p in (out / "model").iterdir())
    assert model_files == ["coords.npy", "features.npy", "ids.npy", "labels.npy", "spec.json"]

    again = run_cli("assign", out, planted_csv, "--out", tmp_path / "again", "--workspace", ws, "--quiet")
    assert again.returncode == 0, again.stderr
    trained = pd.read_csv(out / "segments.csv", encoding="utf-8-sig")
    assigned = pd.read_csv(tmp_path / "again" / "segments.csv", encoding="utf-8-sig")
    assert list(assigned.columns) == list(trained.columns)
    assert (assigned["segment_id"] == trained["segment_id"]).mean() >= 0.99

    new = planted_customers(n_per_group=10, seed=9).drop(columns=["spend"])
    new.to_csv(tmp_path / "new.csv", index=False)
    refused = run_cli("assign", out, tmp_path / "new.csv", "--out", tmp_path / "new", "--workspace", ws)
    assert_clean_error(refused, "'spend'")
    planted_customers(n_per_group=10, seed=9).to_csv(tmp_path / "new.csv", index=False)
    fresh = run_cli("assign", out, tmp_path / "new.csv", "--out", tmp_path / "new", "--workspace", ws, "--quiet")
    assert fresh.returncode == 0, fresh.stderr
    assert len(pd.read_csv(tmp_path / "new" / "segments.csv", encoding="utf-8-sig")) == 30


def test_assign_unknown_run_exits_2(planted_csv, tmp_path):
    assert_clean_error(run_cli("assign", tmp_path / "nothing", planted_csv, "--out", tmp_path / "o",
                               "--workspace", tmp_path / "ws"), "neither an output folder")
