"""The export audit log: one complete JSON line per export, appended, safe from concurrent writers."""

from __future__ import annotations

import json
import multiprocessing

from core.auth.audit import AUDIT_FILE, read_audit, record_export


def _export(args: tuple) -> None:
    workspace, i = args
    record_export(workspace, user=f"user{i % 3}", run_id="r1", file_name=f"segments-{i}.csv", rows=i,
                  ids_hashed=i % 2 == 0)


def test_one_line_per_export_with_who_when_which_run_how_many_rows_and_hashing(tmp_path):
    record_export(tmp_path, user="alice", run_id="20250101-000000-abcdef", file_name="segments.csv", rows=150,
                  ids_hashed=False)
    record_export(tmp_path, user="bob", run_id="r2", file_name="profiles.json", rows=8, ids_hashed=True)
    lines = (tmp_path / AUDIT_FILE).read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["user"] == "alice" and first["run_id"] == "20250101-000000-abcdef" and first["rows"] == 150
    assert first["file"] == "segments.csv" and first["ids_hashed"] is False and first["time"].endswith("+00:00")
    assert [e["user"] for e in read_audit(tmp_path)] == ["alice", "bob"]
    assert (tmp_path / AUDIT_FILE).stat().st_mode & 0o077 == 0


def test_lines_are_only_appended_and_a_cut_line_does_not_swallow_the_next(tmp_path):
    record_export(tmp_path, user="alice", run_id="r1", file_name="a.csv", rows=1, ids_hashed=False)
    with open(tmp_path / AUDIT_FILE, "ab") as fh:
        fh.write(b'{"time": "2025-')  # a crash in the middle of a line
    record_export(tmp_path, user="bob", run_id="r1", file_name="b.csv", rows=2, ids_hashed=False)
    assert [e["user"] for e in read_audit(tmp_path)] == ["alice", "bob"]
    assert (tmp_path / AUDIT_FILE).read_text().startswith('{"time"')


def test_concurrent_writers_never_interleave(tmp_path):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_export, [(tmp_path, i) for i in range(200)])
    entries = read_audit(tmp_path)
    assert len(entries) == 200 and sorted(e["rows"] for e in entries) == list(range(200))
    assert len((tmp_path / AUDIT_FILE).read_text().splitlines()) == 200


def test_an_empty_workspace_has_no_audit(tmp_path):
    assert read_audit(tmp_path / "nowhere") == []
