"""Personal data is flagged and kept out; exports are safe to open and can hash ids."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest

from core.cli import main
from core.ingest.io import load_table
from core.ingest.privacy import (
    detect_pii,
    exclude_pii,
    hash_ids,
    mask_example,
    workspace_key,
)
from core.ingest.roles import detect_roles
from core.pipeline import run_segmentation
from core.runs.export import write_outputs
from core.runs.store import load_run, rename_segment, save_run
from tests.conftest import planted_customers
from tests.unit.test_store import PARAMS

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _with_contacts(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["email"] = [f"user{i}@shop.example" for i in range(len(frame))]
    frame["mobile"] = [f"+44 7700 900{i:03d}" for i in range(len(frame))]
    return frame


def test_email_and_phone_columns_are_flagged():
    frame = _with_contacts(planted_customers())
    assert detect_pii(frame) == {"email": "email", "mobile": "phone"}
    info = {c.name: c for c in detect_roles(frame)}
    assert info["email"].pii == "email" and "@" not in info["email"].example.replace("•", "")
    assert info["review"].pii is None and info["age"].pii is None


def test_dates_amounts_and_ids_are_not_phones():
    frame = pd.DataFrame({"joined": ["2023-01-15", "15/02/2023", "2023.05.06"] * 5,
                          "amount": ["1,234,567.00", "12,000", "5"] * 5, "code": ["5551234567", "5551234568", "1"] * 5})
    assert detect_pii(frame) == {}


def test_pii_columns_stay_out_unless_allowed(planted_frame):
    frame = _with_contacts(planted_frame)
    notices: list[str] = []
    roles = exclude_pii(frame, {"email": "categorical", "mobile": "text", "age": "numeric"}, (), notices)
    assert roles == {"email": "ignore", "mobile": "ignore", "age": "numeric"} and "personal data" in notices[0]
    assert exclude_pii(frame, {"email": "categorical"}, ("email",), [])["email"] == "categorical"


def test_pipeline_never_embeds_an_email_column(tmp_path, workspace):
    frame = _with_contacts(planted_customers())
    frame["email"] = [f"{w} person{i}@mail.example with a long note about things"
                      for i, w in enumerate(frame["review"])]
    path = tmp_path / "contacts.csv"
    frame.to_csv(path, index=False)
    result = run_segmentation(load_table(path), PARAMS, workspace)
    assert result.customers.roles.get("email", "ignore") == "ignore" or "email" not in result.customers.roles
    assert not any("@" in t for t in result.customers.texts)


def test_keyed_hashes_are_stable_and_private(workspace):
    key = workspace_key(workspace)
    assert workspace_key(workspace) == key and len(key) == 32
    ids = pd.Series(["a", "b", "a"])
    hashed = hash_ids(ids, key)
    assert hashed[0] == hashed[2] != hashed[1] and len(hashed[0]) == 16
    assert hash_ids(ids, b"other key")[0] != hashed[0]
    assert mask_example("anna@example.com").startswith("a•")


def test_export_opened_back_in_has_no_live_formula(tmp_path, workspace):
    """Ids and a segment name that a spreadsheet would run: exported, read back as text, all neutralised."""
    frame = planted_customers()
    frame["customer_id"] = [f"=HYPERLINK(\"http://evil/{i}\")" if i % 3 == 0 else
                            f"@SUM(A{i})" if i % 3 == 1 else f"+{i}-1" for i in range(len(frame))]
    path = tmp_path / "formulas.csv"
    frame.to_csv(path, index=False)
    result = run_segmentation(load_table(path), PARAMS, workspace)
    run_id = save_run(result, workspace)
    rename_segment(workspace, run_id, 0, "=cmd|' /C calc'!A0")
    run = load_run(workspace, run_id)
    out = write_outputs(run.segments, run.profiles, run.run_info, tmp_path / "out")
    text = out["segments"].read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "segment_id", "segment_name", "membership", "outlier", "x", "y", "runner_up", "margin"]
    cells = [cell for row in rows for cell in row]
    live = [c for c in cells if c.startswith(_FORMULA_START) and not _is_number(c)]
    assert live == [] and sum(c.startswith("'=HYPERLINK") for c in cells) == 40
    assert "'=cmd|' /C calc'!A0" in cells


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.mark.slow
def test_cli_hashes_ids_on_request(planted_csv, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["segment", str(planted_csv), "--out", str(out), "--workspace", str(tmp_path / "ws"), "--embedder",
                 "lexical", "--algo", "kmeans", "--k", "3", "--hash-ids", "--quiet"])
    assert code == 0, capsys.readouterr().err
    segments = pd.read_csv(out / "segments.csv", encoding="utf-8-sig", dtype=str)
    assert segments["id"].str.fullmatch(r"[0-9a-f]{16}").all()
    profiles = json.loads((out / "profiles.json").read_text())
    assert all(len(m["id"]) == 16 and "-" not in m["id"] for p in profiles for m in p["representatives"])
    assert json.loads((out / "run.json").read_text())["ids_hashed"] is True
