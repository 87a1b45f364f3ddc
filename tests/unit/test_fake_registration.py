"""The fake embedder is registered by the tests and the command line (``--embedder fake``), never by the pipeline."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_the_command_line_registers_the_fake_embedder_and_the_pipeline_does_not():
    code = ("from core.represent.embedders import EMBEDDERS; import core.pipeline; before = 'fake' in EMBEDDERS; "
            "import core.cli; print(before, 'fake' in EMBEDDERS)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "True"], done.stderr
