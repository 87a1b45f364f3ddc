"""Writing segments (and per-customer recommendations) to database tables, atomically.

All tables of one export are written in one transaction: a table that does not exist is created and filled; under
``replace`` the rows go to a new table first, which then takes the old one's place (drop and rename) before the
commit, so readers see the old rows or the new ones, never a mix; under ``append-run`` the rows are added with a
``run_id`` column, so a history of periods accumulates (a column the table has and the rows lack, such as
``segment``'s ``runner_up`` in a ``refresh``, is left empty); under ``fail`` an existing table is an error and nothing
is written.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.errors import InputError
from core.ingest.sql import connect, driver_message, mask_url, split_name

IF_EXISTS = ("fail", "replace", "append-run")
RUN_ID_COLUMN = "run_id"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_BATCH = 10_000


@dataclass(frozen=True)
class SqlTarget:
    """Where results go: a SQLAlchemy URL, a table name, what to do when it exists, and (append-run) a run id."""

    url: str
    table: str
    if_exists: str = "fail"
    run_id: str = ""

    def validate(self) -> SqlTarget:
        if self.if_exists not in IF_EXISTS:
            raise InputError(f"--if-exists is one of {', '.join(IF_EXISTS)}, not {self.if_exists!r}.")
        if not _NAME.match(self.table) or not _NAME.match(self.recommendations_table):
            raise InputError(f"{self.table!r} is not a table name to write to; use letters, digits and _ "
                             "(optionally schema.table).")
        return self

    @property
    def recommendations_table(self) -> str:
        """The table of the per-customer recommendation lists."""
        return f"{self.table}_recommendations"

    def where(self) -> str:
        """The table and the database, with the password masked."""
        return f"{self.table} at {mask_url(self.url)}"


def written_line(target: SqlTarget, written: dict[str, int]) -> str:
    """What an export wrote, in one line: rows per table and the database (password masked)."""
    tables = " and ".join(f"{rows:,} rows to {name}" for name, rows in written.items())
    return f"wrote {tables} at {mask_url(target.url)}"


def new_run_id() -> str:
    """A run id for ``append-run``: the UTC time, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _has(conn: Connection, name: str) -> bool:
    schema, table = split_name(name)
    return sa.inspect(conn).has_table(table, schema=schema)


def check_target(target: SqlTarget, names: tuple[str, ...] | None = None) -> None:
    """Before any work: the database is reachable and writable, and under ``fail`` no table to write exists."""
    target.validate()
    with connect(target.url, read_only=False) as conn:
        if target.if_exists == "fail":
            for name in names or (target.table,):
                if _has(conn, name):
                    raise InputError(f"Table {name!r} already exists at {mask_url(target.url)}; choose another "
                                     "name or --if-exists replace or append-run.")


def _column_type(series: pd.Series) -> sa.types.TypeEngine:
    if pd.api.types.is_bool_dtype(series):
        return sa.Boolean()
    if pd.api.types.is_integer_dtype(series):
        return sa.BigInteger()
    if pd.api.types.is_float_dtype(series):
        return sa.Double()
    return sa.Text()


def _sa_table(name: str, frame: pd.DataFrame) -> sa.Table:
    schema, table = split_name(name)
    return sa.Table(table, sa.MetaData(), *(sa.Column(str(c), _column_type(frame[c])) for c in frame.columns),
                    schema=schema)


def _insert(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for start in range(0, len(records), _BATCH):
        conn.execute(table.insert(), records[start:start + _BATCH])


def _write_one(conn: Connection, name: str, frame: pd.DataFrame, if_exists: str) -> None:
    exists = _has(conn, name)
    if exists and if_exists == "fail":
        raise InputError(f"Table {name!r} already exists; choose another name or --if-exists replace or append-run.")
    if exists and if_exists == "append-run":
        schema, table = split_name(name)
        have = list(conn.execute(sa.select(sa.text("*")).select_from(sa.table(table, schema=schema)).limit(0)).keys())
        extra = [str(c) for c in frame.columns if str(c) not in have]
        if extra or RUN_ID_COLUMN not in have:
            raise InputError(f"Table {name!r} has the columns {', '.join(have)}, not those of this run "
                             f"({', '.join(extra or [RUN_ID_COLUMN])}); append to a table written with --if-exists "
                             "append-run or choose another name.")
        _insert(conn, _sa_table(name, frame), frame)
        return
    if not exists:
        created = _sa_table(name, frame)
        created.create(conn)
        _insert(conn, created, frame)
        return
    schema, plain = split_name(name)
    staging = _sa_table(f"{schema + '.' if schema else ''}{plain}__new_{secrets.token_hex(4)}", frame)
    staging.create(conn)
    _insert(conn, staging, frame)
    quote = conn.dialect.identifier_preparer.quote
    old = f"{quote(schema)}.{quote(plain)}" if schema else quote(plain)
    new = f"{quote(schema)}.{quote(staging.name)}" if schema else quote(staging.name)
    conn.exec_driver_sql(f"DROP TABLE {old}")
    conn.exec_driver_sql(f"ALTER TABLE {new} RENAME TO {quote(plain)}")


def write_tables(target: SqlTarget, segments: pd.DataFrame,
                 recommendations: pd.DataFrame | None = None) -> dict[str, int]:
    """Write ``segments`` (segments.csv's rows) to ``target.table`` and the per-customer ``recommendations`` to
    ``target.recommendations_table`` in one transaction; returns the rows written per table."""
    target.validate()
    frames = {target.table: segments}
    if recommendations is not None:
        frames[target.recommendations_table] = recommendations
    if target.if_exists == "append-run":
        run_id = target.run_id or new_run_id()
        frames = {name: frame.assign(**{RUN_ID_COLUMN: run_id})[[RUN_ID_COLUMN, *frame.columns]]
                  for name, frame in frames.items()}
    with connect(target.url, read_only=False) as conn:
        try:
            with conn.begin():
                for name, frame in frames.items():
                    _write_one(conn, name, frame, target.if_exists)
        except sa.exc.DBAPIError as exc:
            raise InputError(f"Writing {target.where()} failed ({driver_message(str(exc.orig), target.url)}); "
                             "check that this user may create and write tables there.") from None
    return {name: len(frame) for name, frame in frames.items()}
