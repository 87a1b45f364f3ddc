"""The publish task: rows of a run (segments, or an export's chosen segments) written to a database table,
atomically, after one audit line naming the table and who wrote it (as every download from the app has)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.auth.audit import record_export
from core.runs.sql_export import SqlTarget, check_target, write_tables


def publish(frame: pd.DataFrame, target: SqlTarget, *, audit_root: Path, user: str, run_id: str,
            ids_hashed: bool) -> dict[str, int]:
    """Write ``frame`` to ``target`` (checked first: a table that exists under ``fail`` writes nothing) and log it
    in ``audit_root``'s audit file; returns the rows written per table."""
    check_target(target)
    record_export(audit_root, user=user, run_id=run_id, file_name=f"table {target.where()}", rows=len(frame),
                  ids_hashed=ids_hashed)
    return write_tables(target, frame)
