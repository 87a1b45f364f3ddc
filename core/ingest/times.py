"""Times as logs store them: one parser for date columns and the interactions' time column.

A column may hold Unix epoch numbers (seconds, milliseconds, microseconds or nanoseconds, told
apart by their magnitude), Excel serial dates (days since 1899-12-30), ``YYYYMMDD`` numbers, ISO
or other date text with or without a time zone, or a mix of these row by row. Every value is
read into a UTC timestamp (tz-aware ``datetime64[ns, UTC]``; text without a zone is taken as UTC)
or counted as unreadable, and :func:`parse_times` says in one sentence how the column was read.

Numbers that fit none of these readings (e.g. small whole numbers such as step or day counters)
are never silently dated: they are read as seconds from an arbitrary start, so only their order
and gaps count, and the sentence says so and how to choose another reading (``unit``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.schema import Param

#: how a time column can be read; "auto" decides by the values
TIME_UNITS = ("auto", "s", "ms", "us", "ns", "excel", "yyyymmdd", "order", "text")
TIME_UNIT = Param(
    what="The time unit", kind=str, choices=TIME_UNITS, label="How times are written",
    help="how the time column is written: auto (decided by the values), s / ms / us / ns (Unix epoch), "
         "excel (serial days), yyyymmdd, order (numbers that only order the events) or text (dates)")

_UNIT_WORDS = {"s": "Unix seconds", "ms": "Unix milliseconds", "us": "Unix microseconds",
               "ns": "Unix nanoseconds", "excel": "Excel serial dates (days since 1899-12-30)",
               "yyyymmdd": "dates written as YYYYMMDD numbers",
               "order": "numbers that only order the events (read as seconds from an arbitrary start)"}
#: median magnitude → epoch unit; each range maps to the years 1973-2286
_EPOCH_RANGES = (("s", 1e8, 1e10), ("ms", 1e11, 1e13), ("us", 1e14, 1e16), ("ns", 1e17, 1e19))
_EXCEL_RANGE = (20_000, 80_000)  # 1954-10 to 2119-01
_EXCEL_ORIGIN = pd.Timestamp("1899-12-30")
_NUMBER = re.compile(r"^\s*[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\s*$")
_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)\s*$", re.IGNORECASE)
_TIME_NAME = re.compile(r"time|date|_at$|_on$|^ts$|_ts$|when|epoch|created|updated|day$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedTimes:
    """A column read as UTC timestamps, with how it was read in words."""

    values: pd.Series  # datetime64[ns, UTC], NaT where unreadable or missing
    how: str  # e.g. "Unix seconds"
    unreadable: int  # values present but not readable as a time
    notice: str  # one sentence for the analyst
    plain: bool  # ordinary dates or date text, nothing unreadable: nothing worth a notice


def numeric_unit(numbers: pd.Series) -> str:
    """The reading of a column of numbers by their magnitude: an epoch unit, ``excel``, ``yyyymmdd`` or ``order``."""
    values = numbers.dropna().to_numpy(dtype=np.float64)
    if not len(values):
        return "order"
    integral = bool(np.all(np.mod(values, 1) == 0))
    if integral and values.min() >= 19_000_101 and values.max() <= 21_001_231:
        parsed = pd.to_datetime(pd.Series(values.astype(np.int64)).astype(str), format="%Y%m%d", errors="coerce")
        if parsed.notna().mean() >= 0.95:
            return "yyyymmdd"
    median = float(np.median(np.abs(values)))
    for unit, low, high in _EPOCH_RANGES:
        if low <= median < high and values.min() >= 0:
            return unit
    if _EXCEL_RANGE[0] <= median < _EXCEL_RANGE[1] and values.min() >= 0:
        return "excel"
    return "order"


def time_like_name(name: str) -> bool:
    """Whether a column's name says it holds times (timestamp, created_at, order_date, ...)."""
    return bool(_TIME_NAME.search(name))


def _from_numbers(numbers: pd.Series, unit: str) -> pd.Series:
    """Numbers read in ``unit``; values out of range become NaT."""
    if unit == "yyyymmdd":
        text = numbers.round().astype("Int64").astype("string")
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce", utc=True)
    if unit == "excel":
        days = numbers.where((numbers > 0) & (numbers < 2_958_466))  # Excel's last day: 9999-12-31
        return (_EXCEL_ORIGIN + pd.to_timedelta(days, unit="D")).dt.tz_localize("UTC")
    scale = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0, "order": 1e9}[unit]
    nanos = numbers * scale
    nanos = nanos.where(nanos.abs() < 9.2e18)
    return pd.to_datetime(nanos.round().astype("Int64"), unit="ns", utc=True, errors="coerce")


def _from_text(text: pd.Series) -> pd.Series:
    """Date text in any common format: ISO 8601 first (fast), then pandas' mixed formats, then value by value."""
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    rest = parsed.isna() & text.notna()
    if rest.any():
        try:
            parsed[rest] = pd.to_datetime(text[rest], errors="coerce", format="mixed", utc=True)
        except (ValueError, TypeError, OverflowError):  # pandas refuses some mixes as a whole

            def one(value: object) -> pd.Timestamp:
                try:
                    return pd.to_datetime(value, errors="coerce", utc=True)
                except (ValueError, TypeError, OverflowError):
                    return pd.NaT

            parsed[rest] = pd.to_datetime(text[rest].map(one), errors="coerce", utc=True)
    return parsed


def _utc(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    return values.dt.tz_localize("UTC").astype("datetime64[ns, UTC]")


def _override_hint(unit: str) -> str:
    others = ", ".join(u for u in TIME_UNITS[1:] if u != unit)
    return f" If that is wrong, say how the times are written (time unit {others}; --time-unit on the command line)."


def parse_times(values: pd.Series, name: str = "the time column", unit: str = "auto") -> ParsedTimes:
    """Read ``values`` as UTC timestamps; ``unit`` forces a reading (see :data:`TIME_UNITS`).

    Numbers (or number-like text) are read by magnitude (:func:`numeric_unit`) unless ``unit`` says
    otherwise; the other values as date text. Missing values stay NaT and are not counted as unreadable.
    """
    TIME_UNIT.check(unit)
    label = name if name == "the time column" else repr(name)
    present = values.notna()
    if pd.api.types.is_datetime64_any_dtype(values):
        return ParsedTimes(_utc(values), "dates", 0, f"{label} holds dates.", True)
    if pd.api.types.is_bool_dtype(values):
        values = values.astype("string")
    if pd.api.types.is_numeric_dtype(values):
        numbers, text = pd.to_numeric(values, errors="coerce").astype("float64"), pd.Series(pd.NA, index=values.index)
        is_number = present
    else:
        text = values.astype("string").str.strip()
        is_number = text.str.match(_NUMBER).fillna(False).astype(bool)
        numbers = pd.to_numeric(text.where(is_number), errors="coerce").astype("float64")
        if unit not in ("auto", "text"):
            is_number = present
            numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    parts: list[str] = []
    chosen = unit
    n_numbers = int(is_number.sum()) if unit != "text" else 0
    if n_numbers:
        chosen = numeric_unit(numbers[is_number]) if unit == "auto" else unit
        result[is_number] = _from_numbers(numbers[is_number], chosen)
        parts.append(_UNIT_WORDS[chosen])
    as_text = present & ~is_number if unit != "text" else present
    n_text, zoned = int(as_text.sum()), 0
    if n_text:
        texts = text[as_text].astype("string")
        result[as_text] = _from_text(texts)
        zoned = int(texts.str.contains(_ZONE).sum())
        parts.append("date text" if not zoned else "date text with time zones (converted to UTC)"
                     if zoned == n_text else f"date text, {zoned:,} with a time zone (converted to UTC; "
                     "the others taken as UTC)")
    unreadable = int((present & result.isna()).sum())
    how = " and ".join(parts) or "no value"
    counts = f" ({n_numbers:,} numbers, {n_text:,} texts)" if n_numbers and n_text else ""
    notice = f"Read {label} as {how}{counts}"
    if n_numbers and chosen != "order":
        low, high = result[is_number].min(), result[is_number].max()
        if pd.notna(low):
            notice += f", from {low:%Y-%m-%d} to {high:%Y-%m-%d}"
    notice += "."
    if unreadable:
        notice += f" {unreadable:,} value(s) could not be read as a time."
    if n_numbers and unit == "auto":
        if chosen == "order":
            low, high = numbers[is_number].min(), numbers[is_number].max()
            notice += (f" Its numbers ({low:,.10g} to {high:,.10g}) are no date format, so they are not dates: "
                       "only their order and gaps count.")
        notice += _override_hint(chosen)
    plain = not n_numbers and not unreadable and not zoned
    return ParsedTimes(result, how, unreadable, notice, plain)
