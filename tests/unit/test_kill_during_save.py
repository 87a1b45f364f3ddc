"""Killing a process while it saves runs never corrupts earlier runs or the workspace.

A child process segments a table (served from the parent's stage cache), then saves runs in a
loop — new ids and the same id over and over — printing each id once it is saved. The parent
kills it with SIGKILL at different moments, then reopens everything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from core.ingest.io import load_table
from core.pipeline import run_segmentation
from core.represent.embedding_cache import EmbeddingCache
from core.runs.assign import MODEL_DIR, load_model
from core.runs.store import list_runs, load_run, save_run
from core.storage.hashing import text_hash
from core.storage.stage_cache import StageCache
from tests.unit.test_store import PARAMS

ROOT = Path(__file__).resolve().parents[2]
CHILD = textwrap.dedent("""
    import sys
    import core.testing.fake_embedder  # registers "fake", as tests/conftest.py does
    from core.ingest.io import load_table
    from core.pipeline import run_segmentation
    from core.runs.store import save_run
    from tests.unit.test_store import PARAMS
    csv, workspace, attempt = sys.argv[1], sys.argv[2], sys.argv[3]
    result = run_segmentation(load_table(csv), PARAMS, workspace)
    print("ready", flush=True)
    i = 0
    while True:
        run_id = "same" if i % 2 else f"k{attempt}-{i}"
        save_run(result, workspace, run_id)
        print(run_id, flush=True)
        i += 1
""")


def _check_run(workspace: Path, run_id: str, expected_segments) -> None:
    run = load_run(workspace, run_id)
    assert run.segments.equals(expected_segments)
    model = load_model(run.folder / MODEL_DIR)
    assert model.features.shape[0] == len(expected_segments)


@pytest.mark.slow
def test_kill_during_save_never_corrupts(planted_csv, workspace):
    result = run_segmentation(load_table(planted_csv), PARAMS, workspace)  # fills the stage cache for the child
    expected = result.segments_frame()
    earlier = [save_run(result, workspace, f"earlier-{i}") for i in range(2)]
    cache_entries = sorted(p.name for p in (workspace / "stages").rglob("*") if p.is_dir())
    delays = [0.05, 0.2, 0.4, 0.7]  # after 'ready' the child does nothing but save, so every kill lands mid-save
    completed: list[str] = []
    leftovers = 0
    for attempt, delay in enumerate(delays):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(planted_csv), str(workspace), str(attempt)],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay + np.random.default_rng(attempt).uniform(0, 0.03))
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        completed += [line for line in out.split() if line]
        leftovers += sum(1 for p in (workspace / "runs").iterdir() if p.name.startswith("."))

        listed = {r["run_id"] for r in list_runs(workspace)}
        for run_id in earlier + [r for r in completed if r != "same"]:
            assert run_id in listed
            _check_run(workspace, run_id, expected)
        if "same" in completed:  # saved at least once: it must survive every later overwrite that was killed
            assert "same" in listed
            _check_run(workspace, "same", expected)
        for run_id in listed:  # nothing half-written is ever listed
            _check_run(workspace, run_id, expected)
    assert sorted(p.name for p in (workspace / "stages").rglob("*") if p.is_dir() and not p.name.startswith(".")) == [
        n for n in cache_entries if not n.startswith(".")]
    assert StageCache(workspace).get("cluster", result.run_info["cache_keys"]["cluster"]) is not None
    hashes = [text_hash(t) for t in result.customers.texts]
    assert EmbeddingCache(workspace).lookup("fake:32", list(dict.fromkeys(hashes)))[0].all()
    assert "same" in completed and leftovers, "no overwrite was saved or no kill landed inside a write"
