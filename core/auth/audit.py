"""The export audit log: one JSON line per file handed out, appended to ``<workspace>/audit.jsonl``.

Each line says who (the signed-in user, or ``local``), when (UTC), which run, which file, how
many rows and whether customer ids were hashed. Lines are only ever appended: one ``write`` of a
whole line under an exclusive lock, then ``fsync``, so concurrent exports never interleave and a
line is on disk before its file is handed out.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path

AUDIT_FILE = "audit.jsonl"


def audit_path(workspace: Path) -> Path:
    return Path(workspace) / AUDIT_FILE


def record_export(workspace: Path, *, user: str, run_id: str, file_name: str, rows: int, ids_hashed: bool) -> dict:
    """Append one audit line for a file handed out; returns the entry written."""
    entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "user": user, "run_id": run_id,
             "file": file_name, "rows": int(rows), "ids_hashed": bool(ids_hashed)}
    line = json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n"
    path = audit_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":  # a line cut short by a crash stays alone on its line
            line = b"\n" + line
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)  # also releases the lock
    return entry


def read_audit(workspace: Path) -> list[dict]:
    """Every complete audit line of the workspace, oldest first (an unreadable line is skipped)."""
    path = audit_path(workspace)
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries
