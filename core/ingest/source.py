"""Where a table comes from: a file path, or a database URL with a table or a query (:mod:`core.ingest.sql`)."""

from __future__ import annotations

from pathlib import Path

from core.errors import ParameterError
from core.ingest.io import LoadedTable, load_table
from core.ingest.sql import SqlSource, is_url, read_sql
from core.progress import Progress, silent


def table_source(source: str | Path, table: str | None = None, query: str | None = None,
                 what: str = "--table") -> SqlSource | str | Path:
    """Where a table is: the file ``source`` or, for a ``scheme://`` URL, the database table ``table`` or the rows of
    the SELECT ``query``. ``what`` names the option in the message when a table or query is given for a file."""
    if is_url(str(source)):
        return SqlSource(str(source), table=table, query=query)
    if table is not None or query is not None:
        raise ParameterError(f"{what} reads from a database; give a database URL (e.g. duckdb:///file.duckdb or "
                             "postgresql://user@host/db) as the input instead of a file path.")
    return source


def read_table(source: SqlSource | str | Path, progress: Progress = silent) -> LoadedTable:
    """The table at ``source`` (see :func:`table_source`), read."""
    return read_sql(source, progress) if isinstance(source, SqlSource) else load_table(source)


def load_source(source: str | Path, table: str | None = None, query: str | None = None,
                progress: Progress = silent, what: str = "--table") -> LoadedTable:
    """The table at ``source``: a file (CSV, Parquet, XLSX) or, for a ``scheme://`` URL, the database table
    ``table`` or the rows of the SELECT ``query``."""
    return read_table(table_source(source, table, query, what), progress)
