"""Column roles: detect what each column is for, let the analyst override it.

Roles: ``id`` (one per table, names the customer), ``text`` (free text, embedded),
``numeric``, ``categorical``, ``date`` and ``ignore``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import ColumnError
from core.ingest.language import CJK_CHARACTER
from core.ingest.privacy import mask_example, pii_kind
from core.ingest.times import numeric_unit, parse_times, time_like_name

ROLES = ("id", "text", "numeric", "categorical", "date", "ignore")
_ID_NAME = re.compile(r"(^|[\s_\-.])(id|uid|uuid|key|no|number|code)$|^(id|row|index)$|_id$|ID$", re.IGNORECASE)
_CURRENCY = re.compile(r"[\s$€£¥₹%]|(?<=\d)[,'](?=\d{3}(\D|$))")
_MAX_CATEGORIES = 50
_MOSTLY_NUMBERS = 0.8


@dataclass(frozen=True)
class ColumnInfo:
    """What was detected about one column, with the reason in words."""

    name: str
    role: str
    reason: str
    n_unique: int
    n_missing: int
    example: str
    pii: str | None = None  # "email", "phone", ... when the column looks like personal data


def parse_numbers(values: pd.Series) -> pd.Series:
    """Parse numbers written with thousands separators, currency signs or percent; unparsable → NaN."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    if pd.api.types.is_numeric_dtype(values):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    text = values.astype("string").str.strip()
    try:  # fast path: plain numbers (wide tables have thousands of such columns)
        return pd.to_numeric(text, errors="raise").astype("float64")
    except (ValueError, TypeError):
        pass
    negative = text.str.match(r"^\(.*\)$").fillna(False)
    text = text.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    cleaned = text.str.replace(_CURRENCY, "", regex=True)
    # a decimal comma ("3,5") when there is no dot
    cleaned = cleaned.where(~cleaned.str.fullmatch(r"-?\d+,\d{1,2}").fillna(False), cleaned.str.replace(",", "."))
    numbers = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return numbers.where(~negative, -numbers)


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse dates and times as logs write them (see :mod:`core.ingest.times`) into UTC; unreadable → NaT."""
    return parse_times(values).values


def _date_share(values: pd.Series) -> float:
    sample = values.dropna().astype(str).head(200)
    if sample.empty or not sample.str.contains(r"\d", regex=True).all():
        return 0.0
    if not sample.str.contains(r"[-/.: ]", regex=True).mean() > 0.9:
        return 0.0
    return float(parse_dates(sample).notna().mean())


def _describe(col: pd.Series) -> tuple[int, int, str]:
    non_null = col.dropna()
    example = str(non_null.iloc[0])[:60] if len(non_null) else ""
    return int(non_null.nunique()), int(col.isna().sum()), example


def detect_column(name: str, col: pd.Series, n_rows: int) -> tuple[str, str]:
    """Return (role, reason) for one column."""
    non_null = col.dropna()
    if non_null.empty:
        return "ignore", "entirely empty"
    n_unique = int(non_null.nunique())
    if n_unique == 1 and n_rows > 1:
        return "ignore", "the same value in every row"
    unique_ratio = n_unique / len(non_null)
    all_unique = n_unique == len(non_null) and len(non_null) == n_rows
    numbers = parse_numbers(non_null)
    numeric_share = float(numbers.notna().mean())
    if pd.api.types.is_datetime64_any_dtype(col):
        return "date", "stored as dates"
    if numeric_share >= 0.95:
        integral = bool(np.all(np.mod(numbers.dropna(), 1) == 0))
        unit = numeric_unit(numbers) if time_like_name(name) else "order"
        if unit != "order":  # epoch numbers or Excel serials only when the name says times; plain numbers never
            return "date", f"numbers named like a time, read as {parse_times(numbers.head(200), name).how}"
        if _ID_NAME.search(name) and integral:
            if all_unique:
                return "id", "a unique number per row named like an identifier"
            return "ignore", "an identifier of something else (values repeat); set it as categorical to compare it"
        return "numeric", "numbers"
    if numeric_share >= _MOSTLY_NUMBERS and not _ID_NAME.search(name):
        others = int(numbers.isna().sum())
        return "numeric", f"mostly numbers ({others:,} other value(s) are treated as missing)"
    if _date_share(non_null) >= 0.9:
        return "date", "dates"
    text = non_null.astype(str)
    lengths = text.str.len()
    # Chinese and Japanese put no spaces between words, which are about two characters long
    words = text.str.count(r"\s+") + 1 + text.str.count(CJK_CHARACTER) // 2
    if all_unique and _ID_NAME.search(name):
        return "id", "unique per row and named like an identifier"
    if (words.mean() >= 3 and unique_ratio > 0.5) or lengths.mean() >= 40:
        return "text", f"free text (about {words.mean():.0f} words on average)"
    if n_unique <= _MAX_CATEGORIES or unique_ratio < 0.05:
        return "categorical", f"{n_unique} distinct values"
    if all_unique:
        return "id", "unique per row"
    return "ignore", f"{n_unique:,} distinct short values: too many to compare as categories"


#: bump when detection changes (detected roles are cached per table content)
DETECTION_FORMAT = 2


def detect_roles(frame: pd.DataFrame) -> list[ColumnInfo]:
    """Detect a role for every column; at most one column keeps the ``id`` role."""
    infos: list[ColumnInfo] = []
    id_taken = False
    for name in frame.columns:
        role, reason = detect_column(str(name), frame[name], len(frame))
        if role == "id":
            if id_taken:
                role, reason = "ignore", "unique per row (another column is the id)"
            id_taken = True
        n_unique, n_missing, example = _describe(frame[name])
        pii = pii_kind(str(name), frame[name])
        if pii:
            example = mask_example(example)
        infos.append(ColumnInfo(str(name), role, reason, n_unique, n_missing, example, pii))
    return infos


def resolve_roles(
    frame: pd.DataFrame,
    overrides: dict[str, str] | None = None,
    id_col: str | None = None,
    text_cols: list[str] | None = None,
    user_col: str | None = None,
    detected: dict[str, str] | None = None,
) -> dict[str, str]:
    """Detected roles with the analyst's choices applied; every unknown name is reported at once.

    ``detected`` is the detection's column → role when already at hand (the pipeline caches it)."""
    overrides = dict(overrides or {})
    problems = []
    named = [c for c in [id_col, user_col, *(text_cols or []), *overrides] if c is not None]
    missing = [c for c in dict.fromkeys(named) if c not in frame.columns]
    if missing:
        available = ", ".join(repr(c) for c in list(frame.columns)[:20])
        raise ColumnError(
            f"No column named {', '.join(repr(c) for c in missing)} in this table. Available columns: {available}."
        )
    for col, role in overrides.items():
        if role not in ROLES:
            problems.append(f"{role!r} is not a role for {col!r}; use one of {', '.join(ROLES)}.")
    if problems:
        raise ColumnError(" ".join(problems))
    roles = dict(detected) if detected is not None else {info.name: info.role for info in detect_roles(frame)}
    if text_cols:
        for col, role in roles.items():
            if role == "text" and col not in text_cols:
                roles[col] = "ignore"
        for col in text_cols:
            roles[col] = "text"
    id_name = user_col or id_col
    if id_name:
        for col, role in roles.items():
            if role == "id":
                roles[col] = "ignore"
        roles[id_name] = "id"
    roles.update(overrides)
    if list(roles.values()).count("id") > 1:
        raise ColumnError("Only one column can be the id; set the others to another role.")
    return roles
