import numpy as np
import pandas as pd
import pytest

from core.errors import ColumnError
from core.ingest.roles import detect_roles, parse_numbers, resolve_roles


def test_detects_each_role(planted_frame):
    frame = planted_frame.copy()
    frame["signup"] = "2024-01-0" + pd.Series(np.arange(len(frame)) % 9 + 1).astype(str)
    frame["empty"] = pd.NA
    roles = {i.name: i.role for i in detect_roles(frame)}
    assert roles == {"customer_id": "id", "age": "numeric", "spend": "numeric", "department": "categorical",
                     "review": "text", "signup": "date", "empty": "ignore"}


def test_parse_numbers_handles_separators_currency_and_negatives():
    parsed = parse_numbers(pd.Series(["1,234.5", "$2,000", "€ 3", "(45)", "12%", "3,5", "abc", None]))
    assert parsed.tolist()[:6] == [1234.5, 2000.0, 3.0, -45.0, 12.0, 3.5]
    assert np.isnan(parsed.iloc[6]) and np.isnan(parsed.iloc[7])


def test_repeating_numeric_id_is_not_a_feature():
    frame = pd.DataFrame({"Clothing ID": [1, 1, 2, 3] * 5, "x": np.arange(20.0)})
    roles = {i.name: i.role for i in detect_roles(frame)}
    assert roles["Clothing ID"] == "ignore"


def test_overrides_and_named_columns_apply(planted_frame):
    roles = resolve_roles(planted_frame, {"age": "categorical"}, text_cols=["review"])
    assert roles["age"] == "categorical" and roles["review"] == "text"


def test_unknown_columns_are_all_reported(planted_frame):
    with pytest.raises(ColumnError, match="'nope'.*'nada'"):
        resolve_roles(planted_frame, id_col="nope", text_cols=["nada"])


def test_unknown_role_is_refused(planted_frame):
    with pytest.raises(ColumnError, match="not a role"):
        resolve_roles(planted_frame, {"age": "banana"})


def test_two_ids_are_refused(planted_frame):
    with pytest.raises(ColumnError, match="Only one column"):
        resolve_roles(planted_frame, {"age": "id", "spend": "id"})
