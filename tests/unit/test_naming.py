"""Segment names: a 0/1 column reads as shares and never leads a name over a more descriptive trait."""

import numpy as np
import pandas as pd
import pytest

from core.explain.profile import profile_segments
from core.ingest.roles import resolve_roles
from core.represent.features import prepare_customers
from tests.conftest import planted_customers


def _named(frame: pd.DataFrame) -> dict[int, str]:
    """Segment id → name, the planted group of each customer being its segment."""
    customers = prepare_customers(frame, resolve_roles(frame))
    assert "recommended" in customers.columns["numeric"]
    labels = customers.frame["id"].str.slice(1, 2).astype(int).to_numpy()
    points = np.eye(3)[labels]
    return {p["segment_id"]: p["name"] for p in profile_segments(customers, labels, points)}


def _with_flag(drop: list[str], sharp: bool = False) -> pd.DataFrame:
    """The planted customers with a 0/1 'recommended' column: 95 % of group 0, 10 % of the others (``sharp``:
    all of group 0 and none of the others, a larger standardised difference than the planted ages')."""
    frame = planted_customers().drop(columns=drop)
    group = frame["customer_id"].str.slice(1, 2).astype(int)
    number = frame["customer_id"].str.split("-").str[1].astype(int)
    flag = (group == 0) if sharp else np.where(group == 0, number % 20 != 0, number % 10 == 0)
    frame["recommended"] = np.asarray(flag).astype(int)
    return frame


def test_a_flag_does_not_lead_over_a_band_of_ages():
    customers = prepare_customers(frame := _with_flag([], sharp=True), resolve_roles(frame))
    labels = customers.frame["id"].str.slice(1, 2).astype(int).to_numpy()
    numeric = profile_segments(customers, labels, np.eye(3)[labels])[0]["numeric"]
    assert [n["column"] for n in numeric[:2]] == ["recommended", "age"]  # the flag is the larger difference
    name = _named(frame)[0]
    assert name.startswith("55+ · ") and "recommended" not in name, name


@pytest.mark.parametrize("segment,inside,rest", [(0, "95%", "10%"), (2, "10%", "52%")])
def test_a_flag_reads_as_shares_after_the_words_and_the_category(segment, inside, rest):
    names = _named(_with_flag(["age", "spend"]))
    parts = names[segment].split(" · ")
    assert parts[-1] == f"recommended: {inside} vs {rest}" and len(parts) >= 2, names[segment]
