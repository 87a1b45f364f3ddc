"""Fixtures shared by the AppTest modules."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    """The test's own workspace (SEGMENT_STUDIO_WORKSPACE) and the fake embedder: nothing loads the real model."""
    monkeypatch.setenv("SEGMENT_STUDIO_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("SEGMENT_STUDIO_EMBEDDER", "fake")
    return tmp_path / "ws"
