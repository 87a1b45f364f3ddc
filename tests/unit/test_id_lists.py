"""Id lists as analysts give them: typed, one per line, a CSV with an id column, an export of this program."""

from __future__ import annotations

import pandas as pd
import pytest

from core.errors import InputError
from core.ingest.id_lists import parse_ids, read_ids
from core.runs.export import csv_bytes


@pytest.mark.parametrize("text, expected", [
    ("a1\na2\n\na1\n", ["a1", "a2"]),
    ("customer_id\nc1\nc2\n", ["c1", "c2"]),
    ("ID\r\nc1\r\n", ["c1"]),
    ("name,Id,score\nx,c7,1\ny,c8,2\n", ["c7", "c8"]),
    ("name;user_id\nx;u1\n", ["u1"]),
    ("first,second\nc1,z\nc2,z\n", ["c1", "c2"]),
    ("  c1  \nc2", ["c1", "c2"]),
    ("", []),
])
def test_parse_ids(text, expected):
    assert parse_ids(text) == expected


def test_an_export_of_this_program_gives_its_ids_back(tmp_path):
    ids = ["=HYPERLINK(1)", "+44 20", "plain", "-7"]
    path = tmp_path / "audience.csv"
    path.write_bytes(csv_bytes(pd.DataFrame({"id": ids, "rank": [1, 2, 3, 4]})))
    assert read_ids(path) == ids
    assert read_ids(csv_bytes(pd.DataFrame({"id": ids}))) == ids


def test_ids_typed_on_the_command_line_and_missing_files():
    assert read_ids("c1, c2,c1") == ["c1", "c2"]
    assert read_ids(b"c1\nc\xe9\n") == ["c1", "cé"]
    with pytest.raises(InputError, match="no file 'seeds.csv'"):
        read_ids("seeds.csv")
