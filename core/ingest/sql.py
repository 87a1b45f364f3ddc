"""Reading customers, interactions and items from SQL databases (any SQLAlchemy URL; DuckDB and PostgreSQL
tested): a table or one read-only SELECT, streamed in chunks into the same :class:`LoadedTable` a file gives.

Every cell is read as text, as from a CSV, so role detection and the limits are those of files
(:func:`core.ingest.io.check_table`). The read side never writes: only a single ``SELECT``/``WITH`` query is
accepted, DuckDB files are opened ``read_only`` and PostgreSQL sessions with ``default_transaction_read_only``,
and the transaction is rolled back. Passwords never leave this module: every message names the database by
:func:`mask_url`.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from core.errors import InputError
from core.ingest.io import MAX_ROWS, LoadedTable, check_table
from core.progress import Progress, silent

CHUNK_ROWS = 50_000
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_CREDENTIALS = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_QUERY_SECRET = re.compile(r"([?&](?:password|passwd|pwd|token|secret)=)[^&]*", re.I)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_LITERALS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_WRITES = re.compile(r"\b(insert|update|delete|merge|upsert|create|drop|alter|truncate|copy|attach|detach|grant|"
                     r"revoke|vacuum|call|install|load|pragma|export|import)\b", re.I)
_UNREACHABLE = ("connection refused", "could not connect", "could not translate host", "name or service not known",
                "timeout expired", "timed out", "no route to host", "network is unreachable",
                "no such file or directory", "connection to server")
_DENIED = ("password authentication failed", "authentication failed", "access denied", "no password supplied",
           "role \"")
_TEXT_TYPES = (str, int, float, Decimal, bool, date, datetime, time, timedelta, uuid.UUID)


@dataclass(frozen=True)
class SqlSource:
    """Where to read a table from: a SQLAlchemy URL and either a table name or one SELECT query."""

    url: str
    table: str | None = None
    query: str | None = None
    max_rows: int = MAX_ROWS
    chunk_rows: int = CHUNK_ROWS

    def label(self) -> str:
        """What was read, for messages and run.json, with the password masked."""
        return f"{self.table or 'query'} ({mask_url(self.url)})"


def is_url(text: str) -> bool:
    """Whether ``text`` is a database URL (``scheme://…``) rather than a file path."""
    return bool(_URL.match(str(text)))


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (also when SQLAlchemy cannot parse it)."""
    try:
        parsed = sa.make_url(url)
        shown = parsed.render_as_string(hide_password=True) if parsed.password is not None else str(url)
    except Exception:  # not a URL SQLAlchemy understands: mask anything between "user:" and "@"
        shown = _CREDENTIALS.sub(r"\1***@", str(url))
    return _QUERY_SECRET.sub(r"\1***", shown)


def driver_message(text: str, url: str) -> str:
    """A driver's message as one short line, without the URL's password."""
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    line = re.sub(r"^\([\w.]+\)\s*", "", line)  # "(psycopg.OperationalError) …"
    try:
        password = sa.make_url(url).password
    except Exception:
        password = None
    if password:
        line = line.replace(str(password), "***")
    return _CREDENTIALS.sub(r"\1***@", line)[:240].rstrip(".")


def _engine(url: str, read_only: bool) -> Engine:
    try:
        parsed = sa.make_url(url)
    except Exception:
        raise InputError(f"{mask_url(url)!r} is not a database URL; write it as dialect://user@host/database "
                         "or duckdb:///path/to/file.duckdb.") from None
    connect_args: dict[str, Any] = {}
    backend = parsed.get_backend_name()
    if backend == "duckdb" and read_only and parsed.database not in (None, "", ":memory:"):
        connect_args["read_only"] = True
    if backend == "postgresql":
        connect_args["connect_timeout"] = 10
        if read_only:
            connect_args["options"] = "-c default_transaction_read_only=on"
    try:
        engine = sa.create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    except (sa.exc.NoSuchModuleError, ImportError):
        raise InputError(f"No database driver for {parsed.drivername!r} is installed; use duckdb:// or "
                         "postgresql://, or install that dialect's SQLAlchemy driver.") from None
    if backend == "duckdb":
        sa.event.listen(engine, "connect", _quiet_duckdb)
    return engine


def _quiet_duckdb(dbapi_connection: Any, _record: object) -> None:
    """DuckDB draws its own progress bar on long queries, on the terminal: ours says the rows read instead."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET enable_progress_bar = false")
    cursor.close()


def connect_message(url: str, exc: BaseException) -> str:
    """One sentence saying why the database at ``url`` could not be opened, and what to do."""
    detail = driver_message(str(getattr(exc, "orig", exc)), url)
    low = detail.lower()
    where = mask_url(url)
    if any(word in low for word in _DENIED):
        return (f"The database at {where} refused the user name or password ({detail}); check the credentials "
                "in your secrets.")
    if "does not exist" in low and sa.make_url(url).get_backend_name() == "duckdb":
        return f"The DuckDB file of {where} does not exist; check the path."
    if any(word in low for word in _UNREACHABLE):
        return (f"Could not reach the database server at {where} ({detail}); check the host and port and that "
                "the server is running.")
    return f"Could not open the database at {where} ({detail}); check the URL."


@contextmanager
def connect(url: str, *, read_only: bool = True) -> Iterator[Connection]:
    """A connection to ``url`` (read-only unless asked otherwise); a failure to connect is an InputError."""
    engine = _engine(url, read_only)
    try:
        try:
            conn = engine.connect()
        except sa.exc.DBAPIError as exc:
            raise InputError(connect_message(url, exc)) from None
        with conn:
            yield conn
    finally:
        engine.dispose()


def check_select(query: str) -> str:
    """The query without comments or a final semicolon, when it is one SELECT (or WITH … SELECT); else an
    InputError: the read side never runs statements that write."""
    body = _COMMENTS.sub(" ", str(query)).strip().rstrip(";").strip()
    bare = _LITERALS.sub("''", body)
    if not body:
        raise InputError("The query is empty; write one SELECT statement.")
    if ";" in bare:
        raise InputError("The query holds more than one statement; give one SELECT statement.")
    first = re.match(r"[(\s]*(\w+)", bare)
    if not first or first.group(1).lower() not in ("select", "with"):
        word = first.group(1).upper() if first else body[:20]
        raise InputError(f"Only a SELECT query can read from the database, not {word}; the read side never writes.")
    writes = _WRITES.search(bare)
    if writes:
        raise InputError(f"The query contains {writes.group(1).upper()}, which writes; the read side only runs "
                         "SELECT queries.")
    return body


def split_name(name: str) -> tuple[str | None, str]:
    """``schema.table`` → (schema, table); a plain name has no schema."""
    schema, _, table = str(name).rpartition(".")
    return (schema or None), table


def table_names(conn: Connection) -> list[str]:
    """The tables and views of the connection's default schema."""
    inspector = sa.inspect(conn)
    return sorted({*inspector.get_table_names(), *inspector.get_view_names()})


def table_counts(url: str, limit: int = 100) -> list[tuple[str, int]]:
    """The first ``limit`` tables and views at ``url`` with their row counts (for a table picker)."""
    with connect(url) as conn:
        return [(name, int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()))
                for name in table_names(conn)[:limit]]


def _statement(conn: Connection, source: SqlSource) -> tuple[sa.Executable, int | None]:
    """What to run for the source, and how many rows it gives when that is cheap to know (a table)."""
    if source.query is not None:
        if source.table is not None:
            raise InputError("Give either a table or a query, not both.")
        return sa.text(check_select(source.query).replace(":", r"\:")), None
    if not source.table:
        raise InputError("Name a table to read (--table NAME) or give a query (--query \"SELECT …\").")
    schema, name = split_name(source.table)
    if not sa.inspect(conn).has_table(name, schema=schema) and name not in table_names(conn):
        known = table_names(conn)
        listed = f"the tables are {', '.join(known[:12])}" if known else "it has no tables"
        raise InputError(f"There is no table {source.table!r} at {mask_url(source.url)}; {listed}.")
    table = sa.table(name, schema=schema)
    count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return sa.select(sa.text("*")).select_from(table), int(count)


def _cell_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (datetime, date, time)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def _text_column(values: tuple, column: str, source: SqlSource) -> pd.arrays.StringArray:
    """One column of a chunk as text; a value of a type that has no text form (bytes, arrays, JSON) is an error."""
    kinds = set(map(type, values)) - {type(None)}
    if kinds <= {str}:
        return pd.array(values, dtype="string")
    if kinds == {float}:  # as str() writes them, at numpy's speed; NaN and NULL are missing
        numbers = np.asarray(values, dtype=float)
        texts = pd.array(numbers.astype(str), dtype="string")
        texts[np.isnan(numbers)] = pd.NA
        return texts
    if kinds == {int} and None not in values:
        return pd.array(np.asarray(values).astype(str), dtype="string")
    odd = [kind for kind in kinds if not issubclass(kind, _TEXT_TYPES)]
    if odd:
        raise InputError(f"Column {column!r} of {source.label()} holds {odd[0].__name__} values, which cannot be "
                         "read as text; leave it out or cast it to text in a query (SELECT …).")
    return pd.array([_cell_text(v) for v in values], dtype="string")


def read_sql(source: SqlSource, progress: Progress = silent) -> LoadedTable:
    """Read a table or one SELECT into a :class:`LoadedTable` (cells as text, checked like a file), in chunks of
    ``source.chunk_rows`` with progress; at most ``source.max_rows`` rows."""
    limit = min(source.max_rows, MAX_ROWS)
    digest = hashlib.sha256()
    chunks: list[pd.DataFrame] = []
    rows = 0
    with connect(source.url) as conn:
        stmt, total = _statement(conn, source)
        if total is not None and total > limit:
            raise InputError(f"{source.label()} has {total:,} rows, over the limit of {limit:,}; read fewer rows "
                             "with a query (WHERE … or LIMIT).")
        try:
            try:
                result = conn.execution_options(stream_results=True, yield_per=source.chunk_rows).execute(stmt)
                columns = list(map(str, result.keys()))
                while batch := result.fetchmany(source.chunk_rows):
                    rows += len(batch)
                    if rows > limit:
                        raise InputError(f"{source.label()} gives more than {limit:,} rows, over the limit; read "
                                         "fewer rows with a query (WHERE … or LIMIT).")
                    cells = list(zip(*batch, strict=True))
                    chunk = pd.DataFrame({i: _text_column(cells[i], c, source) for i, c in enumerate(columns)})
                    digest.update(pd.util.hash_pandas_object(chunk, index=False).to_numpy().tobytes())
                    chunks.append(chunk)
                    fraction = rows / total if total else min(rows / limit, 0.99)
                    progress("load", fraction, f"Read {rows:,} rows from {source.label()}")
            except sa.exc.DBAPIError as exc:
                what = "The query" if source.query is not None else f"Reading {source.table!r}"
                detail = driver_message(str(exc.orig), source.url)
                raise InputError(f"{what} failed at {mask_url(source.url)} ({detail}); fix it and try again.") from None
        finally:
            conn.rollback()  # the read side never commits
    if not rows:
        raise InputError(f"{source.label()} returned no rows; read a table or query that has data.")
    frame = pd.concat(chunks, ignore_index=True)
    frame.columns = columns
    digest.update("\x1f".join(columns).encode("utf-8"))
    table = LoadedTable(frame=frame, name=source.label(), format="sql", content_hash=digest.hexdigest()[:16])
    check_table(table, limit)
    return table
