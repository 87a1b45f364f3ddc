"""Limits stated and enforced by the core: rows, columns, file size, text length."""

from __future__ import annotations

import pytest

from core.errors import InputError, ParameterError
from core.ingest.io import MAX_COLUMNS, load_table
from core.parameters import SegmentParams
from core.pipeline import run_segmentation
from core.represent.text import window_notices


def test_row_limit_is_enforced(planted_csv, workspace):
    with pytest.raises(InputError, match="over the limit of 50"):
        run_segmentation(load_table(planted_csv), SegmentParams(embedder="fake", max_rows=50), workspace)
    with pytest.raises(ParameterError):
        SegmentParams(max_rows=0).validate()



@pytest.mark.slow
def test_too_many_columns_are_refused():
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1))
    with pytest.raises(InputError, match="over the limit of 5,000"):
        load_table(f"{header}\n{','.join('1' * (MAX_COLUMNS + 1))}\n".encode(), "wide.csv")


def test_oversized_upload_is_refused(monkeypatch):
    monkeypatch.setattr("core.ingest.io.MAX_FILE_BYTES", 100)
    with pytest.raises(InputError, match="over the 0 MB limit"):
        load_table(b"a,b\n" + b"1,2\n" * 100, "big.csv")


def test_texts_past_the_model_window_are_counted():
    notices = window_notices(["word " * 400, "short", "two words " * 10], "all-MiniLM-L6-v2")
    assert notices == [
        "1 text(s) are longer than the model's window of 256 word pieces; only their beginning is embedded."]
    assert window_notices(["x" * 600], "/no/such/model") == []


def test_window_count_covers_repeated_texts_across_chunks(monkeypatch):
    import core.represent.text

    monkeypatch.setattr(core.represent.text, "_TOKENIZE_CHUNK", 2)
    texts = ["word " * 400, "two words " * 30, "word " * 400, "other " * 300, "short", "word " * 400]
    assert window_notices(texts, "all-MiniLM-L6-v2")[0].startswith("4 text(s) are longer")
