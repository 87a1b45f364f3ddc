import numpy as np
import pandas as pd
import pytest

from core.errors import ColumnError, ParameterError
from core.ingest.roles import resolve_roles
from core.represent.features import (
    build_features,
    categorical_block,
    numeric_block,
    prepare_customers,
)
from core.testing.fake_embedder import FakeEmbedder


def _customers(frame, **kw):
    return prepare_customers(frame, resolve_roles(frame), **kw)


def test_one_row_per_customer_with_typed_columns(planted_frame):
    customers = _customers(planted_frame)
    assert len(customers) == len(planted_frame)
    assert customers.frame["spend"].dtype == "float64"
    assert customers.texts[0] == planted_frame["review"].iloc[0]


def test_rows_are_grouped_per_user():
    frame = pd.DataFrame({"user": ["a", "a", "b"], "amount": [1.0, 3.0, 5.0], "shop": ["x", "x", "y"],
                          "review": ["red dress was lovely", "blue dress too big", "great jeans for me"]})
    customers = prepare_customers(frame, resolve_roles(frame, user_col="user"))
    assert customers.frame["id"].tolist() == ["a", "b"]
    assert customers.frame["amount"].tolist() == [2.0, 5.0]
    assert customers.texts[0] == "red dress was lovely\nblue dress too big"
    assert any("Grouped 3 rows into 2 customers" in n for n in customers.notices)
    mean = prepare_customers(frame, resolve_roles(frame, user_col="user"), text_aggregation="mean")
    assert mean.row_owner.tolist() == [0, 0, 1]


def test_long_texts_are_cut_with_a_notice():
    frame = pd.DataFrame({"review": ["word " * 1000, "short text here now", "another short text"]})
    customers = prepare_customers(frame, {"review": "text"}, max_text_chars=100)
    assert len(customers.texts[0]) == 100
    assert any("cut" in n for n in customers.notices)


def test_no_usable_column_is_refused():
    with pytest.raises(ColumnError, match="No column can describe"):
        prepare_customers(pd.DataFrame({"a": [1, 2]}), {"a": "ignore"})


def test_bad_text_aggregation_is_refused(planted_frame):
    with pytest.raises(ParameterError, match="text aggregation"):
        _customers(planted_frame, text_aggregation="sum")


def test_numeric_block_is_robust_to_outliers():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 1e9]})
    block, names = numeric_block(prepare_customers(frame, {"x": "numeric"}))
    assert names == ["x"] and block.max() <= 5 and block.min() >= -5


def test_categorical_block_one_hot():
    frame = pd.DataFrame({"c": ["a", "b", "a", None]})
    block, names = categorical_block(prepare_customers(frame, {"c": "categorical"}))
    assert names == ["c = a", "c = b"]
    assert block.tolist() == [[1, 0], [0, 1], [1, 0], [0, 0]]


def test_block_weights_scale_mean_row_norm(planted_frame):
    customers = _customers(planted_frame)
    vectors = FakeEmbedder().encode(customers.texts)
    fm = build_features(customers, vectors, {"text": 2.0, "numeric": 1.0, "categorical": 0.0})
    assert set(fm.blocks) == {"text", "numeric"}
    a, b = fm.blocks["text"]
    assert np.linalg.norm(fm.matrix[:, a:b], axis=1).mean() == pytest.approx(2.0, rel=1e-4)
    c, d = fm.blocks["numeric"]
    assert np.linalg.norm(fm.matrix[:, c:d], axis=1).mean() == pytest.approx(1.0, rel=1e-4)


def test_negative_weight_is_refused(planted_frame):
    with pytest.raises(ParameterError, match="weight"):
        build_features(_customers(planted_frame), None, {"numeric": -1})


def test_all_zero_weights_are_refused(planted_frame):
    with pytest.raises(ParameterError, match="nothing to segment"):
        build_features(_customers(planted_frame), None, {"numeric": 0, "categorical": 0})
