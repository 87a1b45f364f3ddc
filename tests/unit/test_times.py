"""Times as logs store them: epoch units by magnitude, Excel serials, zones, mixed columns, ambiguous numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import InputError, ParameterError
from core.ingest.io import load_table
from core.ingest.roles import detect_roles
from core.ingest.times import parse_times
from core.represent.behaviour import InteractionInputs, prepare_interactions

MOMENT = pd.Timestamp("2025-03-01 14:30:05", tz="UTC")
SECONDS = int(MOMENT.timestamp())


@pytest.mark.parametrize("values,how", [
    ([SECONDS, SECONDS + 60], "Unix seconds"),
    ([SECONDS * 1000, (SECONDS + 60) * 1000], "Unix milliseconds"),
    ([SECONDS * 1_000_000, (SECONDS + 60) * 1_000_000], "Unix microseconds"),
    ([str(SECONDS), str(SECONDS + 60)], "Unix seconds"),  # as read from a CSV: text
])
def test_epoch_units_are_told_apart_by_magnitude(values, how):
    parsed = parse_times(pd.Series(values), "ts")
    assert parsed.values.tolist() == [MOMENT, MOMENT + pd.Timedelta(minutes=1)]
    assert parsed.how == how and how in parsed.notice and "2025-03-01" in parsed.notice and not parsed.plain


def test_excel_serial_dates_keep_the_time_of_day():
    parsed = parse_times(pd.Series(["45717.5", "45718"]), "ordered")
    assert parsed.values.tolist() == [pd.Timestamp("2025-03-01 12:00", tz="UTC"), pd.Timestamp("2025-03-02", tz="UTC")]
    assert "Excel serial dates" in parsed.notice


def test_iso_with_and_without_zones_is_normalised_to_utc():
    parsed = parse_times(pd.Series(["2025-03-01T16:30:05+02:00", "2025-03-01T14:30:05Z", "2025-03-01 14:30:05"]))
    assert parsed.values.tolist() == [MOMENT] * 3 and str(parsed.values.dtype) == "datetime64[ns, UTC]"
    assert "2 with a time zone (converted to UTC; the others taken as UTC)" in parsed.notice


def test_mixed_formats_are_read_row_by_row_and_the_unreadable_counted():
    parsed = parse_times(pd.Series([str(SECONDS), "2025-03-01 14:30:05", "March 1, 2025 14:30:05", "soon", None]))
    assert parsed.values.tolist()[:3] == [MOMENT] * 3 and parsed.values.iloc[3:].isna().all()
    assert parsed.unreadable == 1 and "1 value(s) could not be read" in parsed.notice
    assert "Unix seconds and date text (1 numbers, 3 texts)" in parsed.notice


def test_small_integers_are_not_dates_and_the_notice_says_how_to_override():
    parsed = parse_times(pd.Series([1, 2, 3, 500]), "step")
    assert parsed.how.startswith("numbers that only order the events")
    assert "no date format" in parsed.notice and "--time-unit" in parsed.notice and "1970" not in parsed.notice
    assert parsed.values.is_monotonic_increasing  # the order survives
    forced = parse_times(pd.Series([45717, 45718]), "day", unit="order")
    assert forced.how.startswith("numbers that only order") and "If that is wrong" not in forced.notice


def test_a_column_of_small_integers_is_never_detected_as_a_date():
    frame = pd.DataFrame({"day": np.arange(1, 41) % 7 + 1, "timestamp": [str(SECONDS + i) for i in range(40)],
                          "amount": [str(SECONDS + i) for i in range(40)]})
    roles = {i.name: (i.role, i.reason) for i in detect_roles(frame)}
    assert roles["day"][0] == "numeric"  # small integers, even named like a time
    assert roles["timestamp"] == ("date", "numbers named like a time, read as Unix seconds")
    assert roles["amount"][0] == "numeric"  # epoch-sized numbers without a time-like name stay numbers


def test_yyyymmdd_numbers_and_a_bad_unit():
    assert parse_times(pd.Series([20250301, 20241231]), "d").values.dt.strftime("%Y-%m-%d").tolist() == \
        ["2025-03-01", "2024-12-31"]
    with pytest.raises(ParameterError, match="time unit"):
        parse_times(pd.Series([1]), unit="fortnights")


def _inputs(times: list[str], unit: str = "auto") -> InteractionInputs:
    frame = pd.DataFrame({"user": ["a", "a", "b"], "item": ["x", "y", "x"], "timestamp": times})
    return InteractionInputs(load_table(frame.to_csv(index=False).encode(), name="ratings.csv"), "item",
                             time_col="timestamp", time_unit=unit)


def test_interactions_with_unix_seconds_run_with_a_notice_and_unreadable_times_are_refused():
    inter = prepare_interactions(_inputs([str(SECONDS), str(SECONDS + 86400), str(SECONDS)]), "user")
    assert inter.events["time"].tolist()[:2] == [MOMENT, MOMENT + pd.Timedelta(days=1)]
    assert any(n.startswith("Read 'timestamp' as Unix seconds") for n in inter.notices)
    as_ms = prepare_interactions(_inputs([str(SECONDS)] * 3, unit="ms"), "user")
    assert as_ms.events["time"].iloc[0].year == 1970 and as_ms.content_hash != inter.content_hash
    with pytest.raises(InputError, match="No value in the time column 'timestamp' reads as a date"):
        prepare_interactions(_inputs(["soon", "later", "never"]), "user")
