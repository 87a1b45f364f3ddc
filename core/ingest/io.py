"""Reading customer tables: CSV (any common encoding and delimiter), Parquet and Excel.

Every cell of a CSV is read as text; typing (numbers with thousands separators, dates) is
done later by :mod:`core.ingest.roles`, so nothing is guessed twice. Problems are collected and
reported together; what could be cleaned is cleaned and said in ``notices``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.errors import InputError

#: Limits enforced on every file: its size, its rows (after cleaning) and its columns.
MAX_FILE_BYTES = 500 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_COLUMNS = 5_000
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_CHARS = 256 * 1024
_FORMAT_NAMES = {"xlsx": "an Excel (.xlsx)", "parquet": "a Parquet"}
_MARKUP = r"<\s*/?\s*[A-Za-z!][^>]*>"
_FORMULA = r"^(?:[=+@\t\r]|-(?![\d.,\s]*$))"
csv.field_size_limit(2**31 - 1)  # one cell may hold a whole document; the file size limit bounds it


@dataclass
class LoadedTable:
    """A table as read from a file, with what was found out while reading it."""

    frame: pd.DataFrame
    name: str
    format: str  # "csv", "parquet", "xlsx" or "sql"
    content_hash: str
    encoding: str | None = None
    delimiter: str | None = None
    notices: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line an analyst can read: what was read and how."""
        rows, cols = self.frame.shape
        how = self.format.upper()
        if self.format == "csv":
            how += f", {self.encoding}, {DELIMITER_NAMES.get(self.delimiter or ',', self.delimiter)}-separated"
        return f"{self.name}: {rows:,} rows × {cols} columns ({how})"


def content_hash(data: bytes) -> str:
    """Short, stable hash of a file's bytes."""
    return hashlib.sha256(data).hexdigest()[:16]


def load_table(source: str | Path | bytes, name: str | None = None, max_rows: int | None = None) -> LoadedTable:
    """Read a CSV, Parquet or XLSX file (a path or its bytes) into a table of customers.

    At most ``max_rows`` rows (default and ceiling :data:`MAX_ROWS`), :data:`MAX_COLUMNS` columns
    and :data:`MAX_FILE_BYTES` bytes. Raises :class:`InputError` with every problem found, in
    one message, when the file cannot be used; what was cleaned is listed in ``notices``.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        if not path.exists():
            raise InputError(f"The file {str(path)!r} does not exist. Check the path and try again.")
        if path.is_dir():
            raise InputError(f"{str(path)!r} is a folder, not a file. Give the path of a CSV, Parquet or Excel file.")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                f"{name} is {size / 2**20:,.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit. "
                "Split it or keep only the columns you need."
            )
        data = path.read_bytes()
    else:
        data = bytes(source)
        name = name or "upload"
        if len(data) > MAX_FILE_BYTES:
            raise InputError(
                f"{name} is {len(data) / 2**20:,.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit. "
                "Split it or keep only the columns you need."
            )
    if not data.strip():
        raise InputError(f"{name} is empty. Choose a file with a header row and at least one data row.")

    fmt = _detect_format(data, name)
    if fmt == "parquet":
        table = _read_parquet(data, name)
    elif fmt == "xlsx":
        table = _read_xlsx(data, name)
    else:
        table = _read_csv(data, name)
    table.content_hash = content_hash(data)
    suffix = Path(name).suffix.lower()
    if fmt != "csv" and suffix in (".csv", ".tsv", ".txt"):
        table.notices.insert(0, f"{name} is named {suffix} but is {_FORMAT_NAMES[fmt]} file; read it as such.")
    _clean(table, MAX_ROWS if max_rows is None else min(max_rows, MAX_ROWS))
    return table


def _detect_format(data: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if data[:4] == b"PAR1":
        return "parquet"
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(
            f"{name} is an old Excel (.xls) or Office file, which is not supported. "
            "Save it as .xlsx or CSV and upload that."
        )
    if suffix in (".parquet", ".pq", ".xlsx"):
        raise InputError(f"{name} is named {suffix} but its content is not a valid {suffix[1:]} file. Export it again.")
    head = data[:65536]
    if not (head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff")):
        controls = sum(1 for b in head if b < 9 or 13 < b < 32)
        if b"\x00" in head or controls > len(head) * 0.01:
            raise InputError(
                f"{name} does not look like a text table (it contains binary data). "
                "Upload a CSV, Parquet or Excel (.xlsx) file."
            )
    return "csv"


def _read_parquet(data: bytes, name: str) -> LoadedTable:
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises many kinds
        raise InputError(f"{name} could not be read as Parquet (it is damaged or cut short: {type(exc).__name__}). "
                         "Export it again or upload a CSV.") from None
    return LoadedTable(frame=_as_text_frame(frame), name=name, format="parquet", content_hash="")


def _read_xlsx(data: bytes, name: str) -> LoadedTable:
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as exc:
        raise InputError(
            f"{name} could not be read as an Excel workbook ({type(exc).__name__}). Save it as .xlsx or CSV again."
        ) from None
    return LoadedTable(frame=_as_text_frame(frame), name=name, format="xlsx", content_hash="")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def as_text(values: pd.Series) -> pd.Series:
    """A column of text as pandas ``string``: strings kept, other values written as text, every kind of missing
    value (None, NaN, NA, whatever dtype the reader chose: object, ``str`` or Arrow) as NA."""
    if values.dtype != object:
        return values.astype("string")
    return values.map(lambda v: v if isinstance(v, str) else None if _missing(v) else str(v)).astype("string")


def _as_text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep native numbers and dates; make object columns plain strings with missing values as NA."""
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = as_text(frame[col])
    return frame


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16, GB18030 or Latin-1/cp1252; return (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        non_ascii = [ch for ch in text if ord(ch) > 127]
        cjk = sum(1 for ch in non_ascii
                  if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef")
        if non_ascii and cjk / len(non_ascii) >= 0.8 and _paired_high_bytes(data) >= 0.9:
            return text, "GB18030"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _paired_high_bytes(data: bytes) -> float:
    """Share of bytes ≥ 0x80 that sit in runs of two or more: ~1 for Chinese in GBK, low for Latin-1
    accents between ASCII letters (which GB18030 would otherwise decode into odd CJK characters)."""
    runs = re.findall(rb"[\x80-\xff]+", data[:_SNIFF_CHARS])
    high = sum(len(r) for r in runs)
    return sum(len(r) for r in runs if len(r) >= 2) / high if high else 0.0


def detect_delimiter(text: str) -> str:
    """Pick the delimiter among , ; tab | whose rows have the most consistent field count above one."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS:  # drop a possibly cut last line
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_score = ",", (-1.0, 0)
    for delim in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=delim))[:200]
        except csv.Error:
            continue
        counts = [len(r) for r in rows if r]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        consistency = counts.count(mode) / len(counts)
        score = (consistency, mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(data: bytes, name: str) -> LoadedTable:
    text, encoding = decode_text(data)
    delim = detect_delimiter(text)
    notices: list[str] = []
    if encoding not in ("UTF-8", "UTF-8 with BOM"):
        notices.append(f"Read {name} as {encoding} text.")
    if "\ufffd" in text[:_SNIFF_CHARS]:
        notices.append("Some characters could not be decoded and were replaced by �.")
    bad_lines: list[list[str]] = []
    kwargs = dict(sep=delim, dtype="string", keep_default_na=False, na_values=[""], skip_blank_lines=True,
                  index_col=False)
    try:
        frame = pd.read_csv(io.StringIO(text), engine="c", **kwargs)
    except pd.errors.EmptyDataError:
        raise InputError(f"{name} has no header row. The first line must name the columns.") from None
    except (pd.errors.ParserError, ValueError):
        try:
            frame = pd.read_csv(
                io.StringIO(text), engine="python", on_bad_lines=lambda line: bad_lines.append(line), **kwargs
            )
        except Exception as exc:
            raise InputError(f"{name} could not be parsed as a table ({exc}). Check that it is a CSV file.") from None
    if bad_lines:
        notices.append(
            f"Skipped {len(bad_lines):,} row(s) with more fields than the header has columns "
            f"(first one starts {','.join(bad_lines[0])[:60]!r})."
        )
    return LoadedTable(frame=frame, name=name, format="csv", content_hash="", encoding=encoding, delimiter=delim,
                       notices=notices)


def check_table(table: LoadedTable, max_rows: int | None = None) -> None:
    """The checks and cleaning every file gets (headers, empty and duplicate rows, limits), for a table read
    from elsewhere (a database); raises :class:`InputError` as :func:`load_table` does."""
    _clean(table, MAX_ROWS if max_rows is None else min(max_rows, MAX_ROWS))


def _clean(table: LoadedTable, max_rows: int | None) -> None:
    """Validate lazily: fix what can be fixed (with a notice) and raise once with every fatal problem."""
    frame = table.frame
    problems: list[str] = []
    frame.columns = [_clean_header(c, i) for i, c in enumerate(frame.columns)]
    if frame.columns.duplicated().any():
        dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
        seen: dict[str, int] = {}
        new_cols = []
        for c in frame.columns:
            seen[c] = seen.get(c, 0) + 1
            new_cols.append(c if seen[c] == 1 else f"{c} ({seen[c]})")
        frame.columns = new_cols
        table.notices.append(f"Renamed repeated column names: {', '.join(dupes[:5])}.")
    if frame.shape[1] == 0:
        problems.append("It has no columns.")
    if frame.shape[1] > MAX_COLUMNS:
        problems.append(
            f"It has {frame.shape[1]:,} columns, over the limit of {MAX_COLUMNS:,}; keep only the columns you need.")
    for col in frame.columns:
        if frame[col].dtype == "string":
            stripped = frame[col].str.strip()
            frame[col] = stripped.mask(stripped == "")
    empty_rows = frame.isna().all(axis=1)
    if empty_rows.any():
        frame = frame.loc[~empty_rows]
        table.notices.append(f"Dropped {int(empty_rows.sum()):,} empty row(s).")
    if len(frame) == 0:
        problems.append("It has a header but no data rows; add at least one row of data.")
    dup_rows = frame.duplicated()
    if dup_rows.any() and len(frame) > 1:
        n = int(dup_rows.sum())
        frame = frame.loc[~dup_rows]
        table.notices.append(f"Dropped {n:,} exact duplicate row(s).")
    _note_active_content(frame, table.notices)
    empty_cols = [c for c in frame.columns if frame[c].isna().all()]
    if empty_cols and len(frame):
        table.notices.append(f"Columns with no values are ignored: {', '.join(empty_cols[:8])}.")
    if max_rows is not None and len(frame) > max_rows:
        problems.append(f"It has {len(frame):,} rows, over the limit of {max_rows:,}; keep fewer rows or sample them.")
    if problems:
        raise InputError(f"{table.name} cannot be used.", problems)
    table.frame = frame.reset_index(drop=True)


def _note_active_content(frame: pd.DataFrame, notices: list[str]) -> None:
    """Say when cells hold markup or spreadsheet formulas: kept as plain text, never rendered or run."""
    markup = formulas = 0
    for col in frame.columns:
        if frame[col].dtype == "string":
            markup += int(frame[col].str.contains(_MARKUP, regex=True).sum())
            formulas += int(frame[col].str.contains(_FORMULA, regex=True).sum())
    if markup:
        notices.append(f"{markup:,} cell(s) contain HTML-like tags; they are kept as plain text and never rendered.")
    if formulas:
        notices.append(f"{formulas:,} cell(s) start like a spreadsheet formula (=, +, -, @); they are kept as text "
                       "and exported with a leading apostrophe so spreadsheets do not run them.")


def _clean_header(col: object, position: int) -> str:
    text = str(col).strip().lstrip("\ufeff")
    if not text or text.startswith("Unnamed: "):
        return "row" if position == 0 else f"column {position + 1}"
    return text
