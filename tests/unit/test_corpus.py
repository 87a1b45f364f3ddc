"""Every file of the awkward-input corpus works (with notices) or fails with one clear sentence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from tests.data.make_corpus import CORPUS, CORPUS_DIR, _files, check_file

ROOT = Path(__file__).resolve().parents[2]
FAILING = [name for name, (expected, _) in CORPUS.items() if expected == "fails"]


def test_corpus_is_large_and_committed_as_generated():
    assert len(CORPUS) >= 25
    for name, data in _files().items():
        if data[:2] == b"PK":  # zip archives (xlsx) carry the time they were written
            continue
        assert (CORPUS_DIR / name).read_bytes() == data, f"{name} differs from make_corpus.py; run it again"


@pytest.fixture(scope="module")
def corpus_workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("corpus-ws")


SLOW_FILES = {"two_thousand_columns.csv"}  # ~20 s of feature building: full suite only


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow) if name in SLOW_FILES else name
                                  for name in CORPUS])
def test_file_works_or_fails_in_one_sentence(name, corpus_workspace):
    expected, _ = CORPUS[name]
    outcome, messages = check_file(CORPUS_DIR / name, corpus_workspace)
    assert outcome == expected, messages
    if outcome == "fails":
        (message,) = messages
        assert "\n" not in message and "Traceback" not in message and len(message) < 400
        assert message.rstrip().endswith(".")


@pytest.mark.parametrize("name", FAILING)
def test_cli_refuses_with_one_error_line(name, tmp_path, capsys):
    code = main(["segment", str(CORPUS_DIR / name), "--out", str(tmp_path / "out"), "--workspace", str(tmp_path / "ws"),
                 "--embedder", "lexical", "--algo", "kmeans", "--k", "2", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ")


@pytest.mark.slow
def test_cli_process_has_no_traceback(tmp_path):
    """The same contract from a real process, for a few refused files at once."""
    procs = [subprocess.Popen([sys.executable, "-m", "core", "segment", str(CORPUS_DIR / name), "--out",
                               str(tmp_path / name), "--workspace", str(tmp_path / "ws"), "--quiet"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("binary_garbage.csv", "header_only.csv", "zip_not_xlsx.xlsx")]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 2 and err.count("\n") == 1 and err.startswith("error: "), err


def test_notices_say_what_was_cleaned(corpus_workspace):
    _, notices = check_file(CORPUS_DIR / "huge_text_cell.csv", corpus_workspace)
    assert any("1 text(s) longer than 2,000 characters" in n for n in notices)
    _, notices = check_file(CORPUS_DIR / "xlsx_renamed.csv", corpus_workspace)
    assert any("is an Excel (.xlsx) file" in n for n in notices)
    _, notices = check_file(CORPUS_DIR / "pii_columns.csv", corpus_workspace)
    assert any("'email' (email)" in n and "'phone' (phone)" in n for n in notices)
    _, notices = check_file(CORPUS_DIR / "latin1.csv", corpus_workspace)
    assert any("Windows-1252" in n for n in notices)
