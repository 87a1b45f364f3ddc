"""Input at scale: one CSV/Parquet file, or a folder or glob of Parquet/CSV parts, read by Ray Data in blocks.

Before anything is read in bulk every part is checked — there is at least one, all are one format, each
can be opened, all have the same columns (and, for Parquet, the same types) — and a bad input is refused in
one sentence. Blocks are tidied like :func:`core.ingest.io.load_table` tidies a table: text columns as
strings, blanks as missing, empty rows dropped (exact duplicate rows are not looked for across parts).
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.distributed.engine import READ_CPUS
from core.errors import InputError
from core.ingest.io import as_text

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def part_files(source: str | Path) -> list[Path]:
    """The parts of ``source`` (a file, a folder of parts, or a glob), sorted by name; hidden and ``_``
    files (``_SUCCESS``, ``.crc``) are skipped."""
    text = str(source)
    if any(c in text for c in "*?["):
        files = [Path(p) for p in glob.glob(text)]
    elif Path(text).is_dir():
        files = [p for p in Path(text).iterdir() if p.is_file()]
    elif Path(text).is_file():
        return [Path(text)]
    else:
        raise InputError(f"{text!r} does not exist. Give a CSV or Parquet file, a folder of parts or a glob.")
    parts = sorted(p for p in files if not p.name.startswith((".", "_")) and p.suffix.lower() in FORMATS)
    if not parts:
        raise InputError(f"{text!r} holds no .parquet or .csv parts. Give a folder or glob of Parquet or CSV files.")
    return parts


def _columns(path: Path, fmt: str) -> list[tuple[str, str]]:
    """(name, type) of each column of one part; CSV columns are all text."""
    import pyarrow.parquet as pq

    try:
        if fmt == "parquet":
            schema = pq.read_schema(path)
            return [(name, str(schema.field(name).type)) for name in schema.names]
        return [(str(c), "string") for c in pd.read_csv(path, nrows=0, sep=None, engine="python").columns]
    except Exception as exc:  # pyarrow and pandas raise many kinds
        raise InputError(f"The part {path.name} could not be read as {fmt.upper()} (it is damaged or cut short: "
                         f"{type(exc).__name__}). Export it again or remove it from the folder.") from None


def check_parts(parts: list[Path]) -> tuple[str, list[str]]:
    """The parts' format and column names; refuses mixed formats, unreadable parts and differing columns."""
    formats = {FORMATS[p.suffix.lower()] for p in parts}
    if len(formats) > 1:
        raise InputError("The parts mix CSV and Parquet files; keep one format in the folder.")
    fmt = formats.pop()
    first = _columns(parts[0], fmt)
    for part in parts[1:]:
        found = _columns(part, fmt)
        if found != first:
            differ = sorted(set(found) ^ set(first)) or [("the column order", "")]
            raise InputError(f"The part {part.name} has other columns than {parts[0].name} ({differ[0][0]} "
                             f"{differ[0][1]}".rstrip() + "); every part needs the same columns with the same types.")
    if not first:
        raise InputError(f"The part {parts[0].name} has no columns.")
    return fmt, [name for name, _ in first]


def tidy_batch(frame: pd.DataFrame) -> pd.DataFrame:
    """One block tidied like ``load_table`` tidies a table: text as strings, blanks missing, empty rows gone."""
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            stripped = as_text(frame[col]).str.strip()
            frame[col] = stripped.mask(stripped == "")
    return frame.loc[~frame.isna().all(axis=1)].reset_index(drop=True)


@dataclass(frozen=True)
class Parts:
    """Checked parts: their paths (sorted), format and column names."""

    paths: list[Path]
    format: str
    columns: list[str]


def checked_parts(source: str | Path) -> Parts:
    """The parts of ``source`` (see :func:`part_files`), checked by :func:`check_parts` before Ray starts."""
    paths = part_files(source)
    fmt, columns = check_parts(paths)
    return Parts(paths, fmt, columns)


def read_parts(parts: Parts) -> Any:
    """A Ray Dataset over checked ``parts`` (Ray must be running)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import ray.data

    paths = [str(p) for p in parts.paths]
    if parts.format == "parquet":
        # Ray 2.60's second Parquet reader reserves a whole CPU per read task whatever num_cpus says, which
        # leaves no room beside one actor per core (engine.cpu_actors): the first reader honours it
        ray.data.DataContext.get_current().use_datasource_v2 = False
        return ray.data.read_parquet(paths, num_cpus=READ_CPUS)
    # every column as text, as load_table reads a CSV; the roles parse numbers and dates
    return ray.data.read_csv(paths, num_cpus=READ_CPUS, convert_options=pacsv.ConvertOptions(
        column_types={c: pa.string() for c in parts.columns}, strings_can_be_null=True))
