"""Writing results: segment membership and recommendations as CSV (safe to open in Excel) and Parquet,
profiles, run and evaluation as JSON."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.explain.profile import Profile
from core.ingest.privacy import hash_ids
from core.represent.features import Customers
from core.storage.atomic import atomic_write_bytes, atomic_write_text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CUSTOMERS_FILE, TEXTS_FILE = "customers.parquet", "texts.parquet"
PARENTS_FILE = "parents.json"  # with two levels: the parents' profiles, each with its children
SEGMENT_COLUMNS = ["id", "segment_id", "segment_name", "membership", "outlier", "x", "y", "runner_up", "margin"]


def neutralise_formula(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot start a spreadsheet formula."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_formula, na_action="ignore")
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (so Excel reads accents), formula-safe."""
    buffer = io.StringIO()
    safe_csv_frame(frame).to_csv(buffer, index=False)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _clean_json(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.ndarray):
        return _clean_json(value.tolist())
    return value


def json_text(value: object) -> str:
    """Strict JSON (NaN and infinity become null)."""
    return json.dumps(_clean_json(value), indent=2, ensure_ascii=False, allow_nan=False)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write_bytes(Path(path), lambda tmp: tmp.write_bytes(csv_bytes(frame)))


def write_json(value: object, path: Path) -> None:
    atomic_write_text(Path(path), json_text(value) + "\n")


def with_hashed_ids(segments: pd.DataFrame, profiles: list[Profile],
                    key: bytes) -> tuple[pd.DataFrame, list[Profile]]:
    """Copies whose customer ids (the ``id`` column and the profiles' representatives) are keyed hashes."""
    segments = segments.copy()
    segments["id"] = hash_ids(segments["id"], key)
    profiles = json.loads(json_text(profiles))
    for profile in profiles:
        for member in profile.get("representatives", []):
            if "id" in member:
                member["id"] = hash_ids(pd.Series([member["id"]]), key).iloc[0]
    return segments, profiles


def write_customers(customers: Customers, folder: Path, id_key: bytes | None = None) -> None:
    """``customers.parquet`` (id and the typed role columns) and ``texts.parquet`` (each customer's text), one row
    per customer in the segments' order: what explanations read. With ``id_key`` the ids are keyed hashes."""
    frame = customers.frame.copy()
    for col in frame.columns:
        if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].dt.tz_convert(None)
    if id_key is not None:
        frame["id"] = hash_ids(frame["id"].astype(str), id_key)
    atomic_write_bytes(Path(folder) / CUSTOMERS_FILE, lambda tmp: frame.to_parquet(tmp, index=False))
    texts = pd.DataFrame({"text": customers.texts})
    atomic_write_bytes(Path(folder) / TEXTS_FILE, lambda tmp: texts.to_parquet(tmp, index=False))


def write_outputs(segments: pd.DataFrame, profiles: list[Profile], run_info: Mapping[str, Any], out_dir: Path,
                  id_key: bytes | None = None, parents: list[Profile] | None = None) -> dict[str, Path]:
    """Write ``segments.csv``, ``profiles.json`` and ``run.json`` into ``out_dir``; returns their paths.

    With ``id_key`` (see :func:`core.ingest.privacy.workspace_key`) customer ids are replaced by keyed hashes.
    With two levels, ``parents`` (the parents' profiles) go to ``parents.json``.
    """
    if id_key is not None:
        segments, profiles = with_hashed_ids(segments, profiles, id_key)
        parents = with_hashed_ids(segments.head(0), parents, id_key)[1] if parents is not None else None
        run_info = {**run_info, "ids_hashed": True}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"segments": out_dir / "segments.csv", "profiles": out_dir / "profiles.json", "run": out_dir / "run.json"}
    write_csv(segments, paths["segments"])
    write_json(profiles, paths["profiles"])
    if parents is not None:
        paths["parents"] = out_dir / PARENTS_FILE
        write_json(parents, paths["parents"])
    write_json(run_info, paths["run"])
    return paths


def write_recommendations(segment_lists: pd.DataFrame, user_lists: pd.DataFrame, evaluation: dict,
                          out_dir: Path) -> dict[str, Path]:
    """Write ``recommendations.csv`` (per segment), ``user_recommendations.csv`` and ``evaluation.json``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"recommendations": out_dir / "recommendations.csv",
             "user_recommendations": out_dir / "user_recommendations.csv", "evaluation": out_dir / "evaluation.json"}
    write_csv(segment_lists, paths["recommendations"])
    write_csv(user_lists, paths["user_recommendations"])
    write_json(evaluation, paths["evaluation"])
    return paths
