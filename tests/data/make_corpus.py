"""Write the corpus of awkward input files into ``tests/data/corpus/``.

Run ``python tests/data/make_corpus.py`` to regenerate; the files are committed too. Each file
is listed in ``CORPUS`` with what it tests and what must happen: ``works`` (read and segmented,
perhaps with notices) or ``fails`` (refused with one sentence). ``docs/INPUT_CORPUS.md`` and
``tests/unit/test_corpus.py`` read this table.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "corpus"

WORDS = ["dress", "fits", "small", "large", "petite", "fabric", "soft", "colour", "jeans", "waist", "comfortable",
         "summer", "return", "lovely", "cheap", "quality", "zipper", "sleeve", "length"]


def _reviews(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) for _ in range(n)]


def _csv(rows: list[list[object]], delim: str = ",") -> str:
    out = io.StringIO()
    import csv

    writer = csv.writer(out, delimiter=delim, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def _basic_rows(n: int = 30, seed: int = 0) -> list[list[object]]:
    rng = random.Random(seed)
    texts = _reviews(n, seed)
    return [["customer_id", "age", "department", "review"]] + [
        [f"c{i}", rng.randint(18, 80), rng.choice(["Tops", "Dresses", "Jeans"]), texts[i]] for i in range(n)
    ]


def _xlsx_bytes() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in _basic_rows(20, seed=3):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _files() -> dict[str, bytes]:
    rng = random.Random(42)
    files: dict[str, bytes] = {}
    basic = _basic_rows()
    files["utf8_bom.csv"] = ("\ufeff" + _csv(basic)).encode("utf-8")
    gbk_rows = [["客户编号", "城市", "评论"]] + [
        [f"k{i}", rng.choice(["北京", "上海", "广州"]),
         rng.choice(["裙子很好看", "尺码太小了", "面料柔软舒服", "颜色很漂亮"]) + "，推荐购买"]
        for i in range(20)
    ]
    files["gbk.csv"] = _csv(gbk_rows).encode("gbk")
    latin_rows = [["id", "ville", "commentaire"]] + [
        [i, rng.choice(["Zürich", "Besançon", "Málaga"]),
         rng.choice(["très jolie robe", "taille trop petite", "tissu doux et agréable"])]
        for i in range(1, 21)
    ]
    files["latin1.csv"] = _csv(latin_rows).encode("latin-1")
    files["semicolon.csv"] = _csv(basic, ";").encode()
    files["tab.tsv"] = _csv(basic, "\t").encode()
    files["pipe.csv"] = _csv(basic, "|").encode()
    multiline = [basic[0]] + [[r[0], r[1], r[2], r[3].replace(" ", "\n", 2)] for r in basic[1:]]
    files["quoted_line_breaks.csv"] = _csv(multiline).encode()
    ragged = _csv(basic).splitlines()
    ragged[3] += ",extra,fields"
    ragged[5] = ragged[5].rsplit(",", 1)[0]
    files["ragged_rows.csv"] = ("\n".join(ragged) + "\n").encode()
    files["empty.csv"] = b""
    files["whitespace_only.csv"] = b"  \n\n \r\n"
    files["header_only.csv"] = b"customer_id,age,review\n"
    files["one_row.csv"] = _csv(basic[:2]).encode()
    files["two_rows.csv"] = _csv(basic[:3]).encode()
    files["all_rows_identical.csv"] = _csv([basic[0]] + [basic[1]] * 25).encode()
    files["empty_column.csv"] = _csv([r + ([""] if i else ["notes"]) for i, r in enumerate(basic)]).encode()
    dup_ids = [basic[0]] + [[f"c{i % 10}", *r[1:]] for i, r in enumerate(basic[1:])]
    files["non_unique_ids.csv"] = _csv(dup_ids).encode()
    money = [["customer_id", "spend", "balance", "review"]] + [
        [f"c{i}", f"${rng.randint(1000, 90000):,}.{rng.randint(0, 99):02d}", f"€ {rng.randint(-5000, 5000):,}", t]
        for i, t in enumerate(_reviews(30, 5))
    ]
    files["thousands_currency.csv"] = _csv(money).encode()
    huge = _basic_rows(20, seed=6)
    huge[4][3] = ("enormous review " * 70_000)[: 1024 * 1024]
    files["huge_text_cell.csv"] = _csv(huge).encode()
    files["binary_garbage.csv"] = random.Random(7).randbytes(4096)
    files["xlsx_renamed.csv"] = _xlsx_bytes()
    files["zip_not_xlsx.xlsx"] = _zip_bytes()
    formulas = [["customer_id", "note", "review"]] + [
        [f"c{i}", rng.choice(["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\")",
                              "plain"]), t]
        for i, t in enumerate(_reviews(20, 8))
    ]
    files["formulas.csv"] = _csv(formulas).encode()
    html = [["customer_id", "review"]] + [
        [f"c{i}",
         rng.choice(["<script>alert(1)</script>", "<b>bold</b> ", "<img src=x onerror=alert(1)>", "**md** "]) + t]
        for i, t in enumerate(_reviews(20, 9))
    ]
    files["html_script_tags.csv"] = _csv(html).encode()
    wide = [["customer_id"] + [f"f{j}" for j in range(2000)]] + [
        [f"c{i}"] + [rng.randint(0, 9) for _ in range(2000)] for i in range(12)
    ]
    files["two_thousand_columns.csv"] = _csv(wide).encode()
    mixed = [["customer_id", "score", "review"]] + [
        [f"c{i}", rng.choice([str(rng.randint(1, 5)), "n/a", "five", "3.5", "", "TRUE"]), t]
        for i, t in enumerate(_reviews(25, 10))
    ]
    files["mixed_types.csv"] = _csv(mixed).encode()
    dates = [["customer_id", "joined", "review"]] + [
        [f"c{i}",
         rng.choice(["2023-01-15", "15/02/2023", "March 3, 2023", "2023-04-01T10:00:00Z", "2023.05.06", "06-07-2023"]),
         t]
        for i, t in enumerate(_reviews(25, 11))
    ]
    files["dates_mixed_formats.csv"] = _csv(dates).encode()
    files["utf16.csv"] = _csv(basic).encode("utf-16")
    files["crlf_line_endings.csv"] = _csv(basic).replace("\n", "\r\n").encode()
    files["no_text_columns.csv"] = _csv([[r[0], r[1], r[2]] for r in basic]).encode()
    files["only_id_column.csv"] = _csv([[r[0]] for r in basic]).encode()
    files["blank_header.csv"] = _csv([["", "", "review"]] + [[i, r[1], r[3]] for i, r in enumerate(basic[1:])]).encode()
    files["repeated_headers.csv"] = _csv(
        [["id", "review", "review"]] + [[r[0], r[3], r[2]] for r in basic[1:]]).encode()
    pii = [["customer_id", "email", "phone", "review"]] + [
        [f"c{i}", f"person{i}@example.com", f"+1 (555) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}", t]
        for i, t in enumerate(_reviews(25, 12))
    ]
    files["pii_columns.csv"] = _csv(pii).encode()
    files["trailing_blank_lines.csv"] = (_csv(basic) + "\n\n,,,\n\n").encode()
    files["parquet_renamed.csv"] = _parquet_bytes()
    files["truncated_parquet.parquet"] = _parquet_bytes()[:200]
    files["nul_bytes.csv"] = _csv(basic).encode().replace(b"lovely", b"lov\x00ely")
    files["emoji_and_rtl.csv"] = _csv([["customer_id", "review"]] + [
        [f"c{i}", t + rng.choice([" 😍👗", " שמלה יפה", " فستان جميل", " ✨"])] for i, t in enumerate(_reviews(20, 13))
    ]).encode()
    return files


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def _parquet_bytes() -> bytes:
    import pandas as pd

    rows = _basic_rows(20, seed=14)
    buffer = io.BytesIO()
    pd.DataFrame(rows[1:], columns=rows[0]).to_parquet(buffer, index=False)
    return buffer.getvalue()


#: file name → (expected outcome, what it tests)
CORPUS: dict[str, tuple[str, str]] = {
    "utf8_bom.csv": ("works", "UTF-8 with a byte-order mark"),
    "gbk.csv": ("works", "Chinese text in GBK (read as GB18030)"),
    "latin1.csv": ("works", "accented text in Latin-1"),
    "semicolon.csv": ("works", "semicolon delimiter"),
    "tab.tsv": ("works", "tab delimiter"),
    "pipe.csv": ("works", "pipe delimiter"),
    "quoted_line_breaks.csv": ("works", "line breaks inside quoted cells"),
    "ragged_rows.csv": ("works", "a row with too many fields (skipped, with a notice) and one with too few"),
    "empty.csv": ("fails", "an empty file"),
    "whitespace_only.csv": ("fails", "only blank lines"),
    "header_only.csv": ("fails", "a header and no rows"),
    "one_row.csv": ("fails", "a single customer (segmenting needs two)"),
    "two_rows.csv": ("works", "two customers"),
    "all_rows_identical.csv": ("fails", "25 identical rows (deduplicated to one customer, too few to segment)"),
    "empty_column.csv": ("works", "a column with no values"),
    "non_unique_ids.csv": ("works", "ids that repeat (rows grouped per customer)"),
    "thousands_currency.csv": ("works", "numbers with thousands separators and currency signs"),
    "huge_text_cell.csv": ("works", "one 1 MB text cell (cut for embedding, with a notice)"),
    "binary_garbage.csv": ("fails", "random bytes named .csv"),
    "xlsx_renamed.csv": ("works", "an Excel workbook renamed to .csv"),
    "zip_not_xlsx.xlsx": ("fails", "a zip archive that is not a workbook"),
    "formulas.csv": ("works", "spreadsheet formulas in cells (neutralised in exports)"),
    "html_script_tags.csv": ("works", "HTML, script tags and Markdown in text"),
    "two_thousand_columns.csv": ("works", "2,000 numeric columns"),
    "mixed_types.csv": ("works", "numbers, words and blanks mixed in one column"),
    "dates_mixed_formats.csv": ("works", "dates written in six formats in one column"),
    "utf16.csv": ("works", "UTF-16 with a byte-order mark (Excel's 'Unicode text')"),
    "crlf_line_endings.csv": ("works", "Windows line endings"),
    "no_text_columns.csv": ("works", "numbers and categories only, no free text"),
    "only_id_column.csv": ("fails", "nothing but an id column"),
    "blank_header.csv": ("works", "blank column names"),
    "repeated_headers.csv": ("works", "the same column name twice"),
    "pii_columns.csv": ("works", "e-mail and phone columns (flagged, kept out of the embedding)"),
    "trailing_blank_lines.csv": ("works", "blank and comma-only lines at the end"),
    "parquet_renamed.csv": ("works", "a Parquet file renamed to .csv"),
    "truncated_parquet.parquet": ("fails", "a Parquet file cut short"),
    "nul_bytes.csv": ("fails", "a text file with NUL bytes in it"),
    "emoji_and_rtl.csv": ("works", "emoji and right-to-left scripts"),
}


def check_file(path: Path, workspace: Path) -> tuple[str, list[str]]:
    """Load and segment one file (fake embedder, KMeans k=2): ("works", notices) or ("fails", [message]).

    Anything but a :class:`core.errors.CoreError` propagates: that is a bug.
    """
    from core.errors import CoreError
    from core.ingest.io import load_table
    from core.parameters import SegmentParams
    from core.pipeline import run_segmentation
    from core.segment.cluster import ClusterParams

    params = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=2))
    try:
        result = run_segmentation(load_table(path), params, workspace)
    except CoreError as exc:
        return "fails", [exc.message]
    return "works", list(result.notices)


def write_report(doc: Path) -> float:
    """Check every file and write the corpus table with its pass rate to ``doc``; returns the pass rate."""
    import tempfile

    rows, passed = [], 0
    with tempfile.TemporaryDirectory() as workspace:
        for name, (expected, what) in CORPUS.items():
            outcome, messages = check_file(CORPUS_DIR / name, Path(workspace))
            ok = outcome == expected
            passed += ok
            said = " / ".join(m.replace("|", "\\|").replace("\n", " ") for m in messages if not m.startswith("Chose k"))
            rows.append(f"| `{name}` | {what} | {expected} | {'✓' if ok else '✗ ' + outcome} | {said or '—'} |")
    rate = passed / len(CORPUS)
    doc.write_text(
        "# Input corpus\n\n"
        f"`tests/data/corpus/` holds {len(CORPUS)} awkward files, written by `tests/data/make_corpus.py`. "
        "Each must either work — read and segmented, with notices saying what was cleaned — or fail with one "
        "sentence that says what to do, never a traceback. `tests/unit/test_corpus.py` checks every file through "
        "`load_table` + `run_segmentation` (fake embedder, KMeans k=2) and the failing ones through the command "
        "line (exit 2, one `error:` line).\n\n"
        f"**Pass rate: {passed}/{len(CORPUS)} ({rate:.0%}).** Regenerate this page with "
        "`python tests/data/make_corpus.py --report`.\n\n"
        "Limits enforced by the core: files up to 500 MB (`core.ingest.io.MAX_FILE_BYTES`), 1,000,000 rows "
        "(`core.ingest.io.MAX_ROWS`, lower with `SegmentParams.max_rows` / `--max-rows`), 5,000 columns "
        "(`core.ingest.io.MAX_COLUMNS`); texts are cut to 2,000 characters for embedding with a notice saying how many "
        "(`core.represent.features.MAX_TEXT_CHARS`; the default model reads its first 256 word pieces).\n\n"
        "| file | what it tests | expected | result | notices or error |\n| --- | --- | --- | --- | --- |\n"
        + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return rate


def main() -> None:
    import sys

    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    files = _files()
    assert set(files) == set(CORPUS), set(files) ^ set(CORPUS)
    for name, data in files.items():
        (CORPUS_DIR / name).write_bytes(data)
    print(f"wrote {len(files)} files to {CORPUS_DIR}")
    if "--report" in sys.argv:
        sys.path.insert(0, str(HERE.parent.parent))
        rate = write_report(HERE.parent.parent / "docs" / "INPUT_CORPUS.md")
        print(f"pass rate {rate:.0%}")


if __name__ == "__main__":
    main()
