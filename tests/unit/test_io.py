import io

import pandas as pd
import pytest

from core.errors import InputError
from core.ingest.io import decode_text, detect_delimiter, load_table

ROWS = "id,name,comment\n1,Anna,great dress\n2,Bo,too small\n3,Chen,lovely\n"


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
def test_detects_each_delimiter(delim):
    table = load_table(ROWS.replace(",", delim).encode(), "t.csv")
    assert table.delimiter == delim
    assert list(table.frame.columns) == ["id", "name", "comment"]
    assert len(table.frame) == 3


@pytest.mark.parametrize(
    "encoding,label",
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with BOM"), ("gb18030", "GB18030"), ("cp1252", "Windows-1252")],
)
def test_detects_encodings(encoding, label):
    if encoding == "gb18030":
        text = "id,城市,note\n1,北京,很好的裙子\n2,上海,太小了\n"
    else:
        text = "id,café,note\n1,crème,naïve\n2,déjà,señor\n"
    table = load_table(text.encode(encoding), "t.csv")
    assert table.encoding == label
    assert table.frame.columns[1] in ("城市", "café")
    assert table.frame.iloc[0, 1] in ("北京", "crème")


def test_quoted_line_breaks_stay_in_one_cell():
    data = b'id,review\n1,"first line\nsecond line"\n2,"a ""quoted"" word"\n'
    frame = load_table(data, "t.csv").frame
    assert len(frame) == 2
    assert frame.loc[0, "review"] == "first line\nsecond line"
    assert frame.loc[1, "review"] == 'a "quoted" word'


def test_empty_file_is_refused_in_one_sentence():
    with pytest.raises(InputError, match="empty"):
        load_table(b"   \n", "empty.csv")


def test_header_only_is_refused():
    with pytest.raises(InputError, match="no data rows"):
        load_table(b"a,b,c\n", "header.csv")


def test_binary_garbage_is_refused():
    with pytest.raises(InputError, match="binary"):
        load_table(bytes(range(256)) * 10, "garbage.csv")


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_table(tmp_path / "nope.csv")


def test_corrupt_parquet_is_refused():
    with pytest.raises(InputError, match="Parquet"):
        load_table(b"PAR1 not really parquet", "x.parquet")


def test_empty_and_duplicate_rows_are_dropped_with_notices():
    data = b"a,b\n1,x\n,\n1,x\n2,y\n"
    table = load_table(data, "t.csv")
    assert len(table.frame) == 2
    assert any("empty row" in n for n in table.notices)
    assert any("duplicate" in n for n in table.notices)


def test_ragged_rows_are_skipped_with_a_notice():
    data = b"a,b\n1,2\n3,4,5,6\n7,8\n"
    table = load_table(data, "t.csv")
    assert len(table.frame) == 2
    assert any("Skipped 1 row" in n for n in table.notices)


def test_unnamed_first_column_becomes_row():
    table = load_table(b",x\n0,a\n1,b\n", "t.csv")
    assert table.frame.columns[0] == "row"


def test_reads_parquet_and_xlsx(tmp_path):
    frame = pd.DataFrame({"id": [1, 2], "text": ["hello there", "bye now"]})
    pq = io.BytesIO()
    frame.to_parquet(pq)
    assert load_table(pq.getvalue(), "t.parquet").frame.shape == (2, 2)
    xlsx = tmp_path / "t.xlsx"
    frame.to_excel(xlsx, index=False)
    loaded = load_table(xlsx)
    assert loaded.format == "xlsx" and list(loaded.frame["text"]) == ["hello there", "bye now"]


def test_xlsx_renamed_to_csv_still_reads(tmp_path):
    xlsx = tmp_path / "t.xlsx"
    pd.DataFrame({"a": [1, 2]}).to_excel(xlsx, index=False)
    renamed = tmp_path / "renamed.csv"
    renamed.write_bytes(xlsx.read_bytes())
    assert load_table(renamed).format == "xlsx"


def test_max_rows_limit():
    with pytest.raises(InputError, match="over the limit"):
        load_table(ROWS.encode(), "t.csv", max_rows=2)


def test_decode_and_delimiter_helpers():
    assert decode_text("ü".encode("latin-1"))[1] in ("Windows-1252", "Latin-1")
    assert detect_delimiter("a;b;c\n1;2;3\n") == ";"
    assert detect_delimiter("single\nvalue\n") == ","
