"""The command line contract: files written, cache reuse, exit 2 with one error line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def assert_clean_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.strip().splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and proc.stderr.strip().endswith(errors[0]), proc.stderr  # progress lines may precede
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in errors[0]


@pytest.mark.slow
def test_segment_real_model_then_recluster_from_cache(reviews_sample, tmp_path):
    """The foundation's must-show: 2,000 reviews, k=6, then k=8 served wholly from the cache."""
    ws, out1, out2 = tmp_path / "ws", tmp_path / "out1", tmp_path / "out2"
    first = run_cli("segment", reviews_sample, "--out", out1, "--workspace", ws, "--text-col", "Review Text",
                    "--algo", "kmeans", "--k", "6", "--seed", "1")
    assert first.returncode == 0, first.stderr
    assert "[embed]" in first.stderr and "Traceback" not in first.stderr
    segments = pd.read_csv(out1 / "segments.csv", encoding="utf-8-sig")
    assert len(segments) == 2000 and segments["segment_id"].nunique() == 6
    assert {"id", "segment_id", "segment_name", "membership", "outlier", "x", "y"} <= set(segments.columns)
    profiles = json.loads((out1 / "profiles.json").read_text())
    assert len(profiles) == 6 and all(p["words"] for p in profiles if p["size"] > 100)
    run1 = json.loads((out1 / "run.json").read_text())
    # the CPU default backend for this machine (tests/pipeline/test_onnx_quality.py)
    assert run1["embedding"]["model"].startswith("onnx-int8")
    assert run1["embedding"]["model"].endswith(":all-MiniLM-L6-v2") and run1["embedding"]["embedded"] == 2000
    assert run1["input"]["rows"] == 2000 and run1["versions"]["umap-learn"]

    second = run_cli("segment", reviews_sample, "--out", out2, "--workspace", ws, "--text-col", "Review Text",
                     "--algo", "kmeans", "--k", "8", "--seed", "1", "--quiet")
    assert second.returncode == 0, second.stderr
    run2 = json.loads((out2 / "run.json").read_text())
    assert run2["embedding"]["from_cache"] == 2000 and run2["embedding"]["embedded"] == 0
    assert run2["stages"]["embed"]["seconds"] < 1.0  # served from the cache, the model never loads
    assert run2["stages"]["reduce"]["cache_hit"] and run2["quality"]["n_segments"] == 8


@pytest.mark.slow
def test_segment_lexical_with_detected_roles(planted_csv, tmp_path):
    proc = run_cli("segment", planted_csv, "--out", tmp_path / "o", "--workspace", tmp_path / "ws",
                   "--embedder", "lexical", "--algo", "hdbscan", "--min-cluster-size", "10", "--quiet")
    assert proc.returncode == 0, proc.stderr
    segments = pd.read_csv(tmp_path / "o" / "segments.csv", encoding="utf-8-sig")
    assert len(segments) == 120 and segments["id"].str.startswith("c").all()
    run = json.loads((tmp_path / "o" / "run.json").read_text())
    assert run["roles"]["review"] == "text" and run["embedding"]["model"].startswith("lexical")


def test_missing_file_exits_2(tmp_path):
    assert_clean_error(run_cli("segment", tmp_path / "nope.csv", "--out", tmp_path / "o"), "does not exist")


def test_unknown_column_exits_2(planted_csv, tmp_path):
    proc = run_cli("segment", planted_csv, "--out", tmp_path / "o", "--workspace", tmp_path / "ws",
                   "--text-col", "Nope", "--embedder", "lexical")
    assert_clean_error(proc, "'Nope'", "Available columns")


@pytest.mark.parametrize("args,word", [
    (["--k", "many"], "k must be"),
    (["--algo", "dbscan"], "invalid choice"),
    (["--min-cluster-size", "1"], "minimum segment size"),
    (["--weight", "text=abc"], "not a number"),
    (["--algo", "kmeans", "--k", "500"], "only 120 customers"),
])
def test_bad_parameters_exit_2(planted_csv, tmp_path, args, word):
    proc = run_cli("segment", planted_csv, "--out", tmp_path / "o", "--workspace", tmp_path / "ws",
                   "--embedder", "lexical", *args)
    assert_clean_error(proc, word)


def test_missing_out_is_bad_usage(planted_csv):
    assert_clean_error(run_cli("segment", planted_csv), "--out")
