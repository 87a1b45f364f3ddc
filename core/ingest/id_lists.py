"""Lists of customer ids: typed on the command line, in a text file (one per line) or in a CSV with an id column.

A CSV's id column is the one named ``id`` (any case), else one whose name ends in "id", else its first
column, so a ``segments.csv`` or an ``audience.csv`` this program wrote can be given back as it is; the
apostrophe that made such a file formula-safe (``'=…``) is taken off again. A one-column list may start
with a header such as ``id`` or ``customer_id``. Blank lines and repeats are dropped; the order is kept.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from core.errors import InputError

_HEADER = re.compile(r"[\w ]*\bid|[\w ]*_id", re.IGNORECASE)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_ID_FILE_BYTES = 200 * 1024 * 1024


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _unneutralised(value: str) -> str:
    """An id without the apostrophe a formula-safe CSV put before it."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def parse_ids(text: str) -> list[str]:
    """The ids in ``text`` (see the module docstring), unique, in order."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    delimiter = next((d for d in (",", ";", "\t", "|") if d in lines[0]), None)
    if delimiter is None:
        values = lines[1:] if _HEADER.fullmatch(lines[0].strip()) else lines
    else:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        header = [h.strip() for h in rows[0]]
        named = [i for i, h in enumerate(header) if h.lower() == "id"] or \
                [i for i, h in enumerate(header) if _HEADER.fullmatch(h)] or [0]
        values = [row[named[0]] for row in rows[1:] if len(row) > named[0]]
    ids = [_unneutralised(v.strip()) for v in values]
    return list(dict.fromkeys(v for v in ids if v))


def read_ids(source: str | Path | bytes) -> list[str]:
    """Ids from uploaded bytes, from a file, or from the text itself (comma-separated ids)."""
    if isinstance(source, bytes):
        return parse_ids(_decode(source))
    path = Path(source)
    try:
        is_file = path.is_file()
    except OSError:  # a long list of ids is not a path
        is_file = False
    if is_file:
        if path.stat().st_size > MAX_ID_FILE_BYTES:
            raise InputError(f"{path.name} is larger than {MAX_ID_FILE_BYTES // 2**20} MB; give a shorter id list.")
        return parse_ids(_decode(path.read_bytes()))
    if path.suffix.lower() in (".csv", ".txt", ".tsv") and "," not in str(source):
        raise InputError(f"There is no file {str(source)!r}; give an existing file or ids separated by commas.")
    return list(dict.fromkeys(v.strip() for v in str(source).split(",") if v.strip()))
