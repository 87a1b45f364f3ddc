"""Fixtures shared by the AppTest modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    """The test's own workspace (SEGMENT_STUDIO_WORKSPACE) and the fake embedder: nothing loads the real model."""
    monkeypatch.setenv("SEGMENT_STUDIO_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("SEGMENT_STUDIO_EMBEDDER", "fake")
    return tmp_path / "ws"


@pytest.fixture
def planted_ws(planted_run, ws) -> Path:
    """:func:`ws` holding a copy of the planted run's workspace, so its saved run opens by id."""
    shutil.copytree(planted_run.workspace, ws)
    return ws
