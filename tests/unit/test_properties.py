"""Property-based tests (hypothesis) of the loader and the feature builder."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import CoreError
from core.ingest.io import load_table
from core.ingest.roles import parse_numbers
from core.represent.features import (
    build_features,
    prepare_customers,
    transform_features,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_CELL = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufeff\x85"),
                min_size=1, max_size=20).map(str.strip).filter(bool)
_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9 _]{0,10}[A-Za-z0-9]", fullmatch=True)


@st.composite
def tables(draw) -> pd.DataFrame:
    names = draw(st.lists(_NAME, min_size=1, max_size=5, unique_by=str.lower))
    rows = draw(st.lists(st.tuples(*[_CELL for _ in names]), min_size=1, max_size=12, unique=True))
    return pd.DataFrame(rows, columns=names)


@SETTINGS
@given(tables(), st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_written_tables_read_back_cell_for_cell(frame, delimiter, encoding):
    buffer = io.StringIO()
    frame.to_csv(buffer, sep=delimiter, index=False, quoting=csv.QUOTE_ALL)
    table = load_table(buffer.getvalue().encode(encoding), "t.csv")
    assert list(table.frame.columns) == list(frame.columns)
    assert table.frame.astype(str).values.tolist() == frame.values.tolist()


@SETTINGS
@given(st.binary(max_size=3000), st.sampled_from(["x.csv", "x.xlsx", "x.parquet", "x"]))
def test_any_bytes_load_or_fail_with_a_core_error(data, name):
    try:
        table = load_table(data, name)
    except CoreError as exc:
        assert exc.message and "\n" not in exc.message
    else:
        assert len(table.frame) >= 1 and table.frame.shape[1] >= 1


@SETTINGS
@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: round(x, 2)), min_size=1, max_size=30),
       st.sampled_from(["${:,.2f}", "{:,.2f} €", "{:.2f}", "£{:,.2f}"]))
def test_numbers_with_separators_and_currency_parse_back(values, pattern):
    texts = pd.Series([pattern.format(v) for v in values], dtype="string")
    assert np.allclose(parse_numbers(texts).to_numpy(), values, atol=0.006)


@st.composite
def customer_frames(draw) -> pd.DataFrame:
    n = draw(st.integers(2, 30))
    numbers = st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=n, max_size=n)
    levels = st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])), min_size=n, max_size=n)
    return pd.DataFrame({"x": draw(numbers), "y": draw(numbers), "cat": draw(levels)})


@SETTINGS
@given(customer_frames(), st.floats(0.1, 3), st.floats(0.1, 3), st.randoms(use_true_random=False))
def test_feature_matrix_is_finite_scaled_and_reproducible(frame, w_num, w_cat, rnd):
    roles = {"x": "numeric", "y": "numeric", "cat": "categorical"}
    customers = prepare_customers(frame, roles)
    weights = {"numeric": w_num, "categorical": w_cat}
    try:
        fitted = build_features(customers, None, weights)
    except CoreError as exc:  # no usable value at all: refused in words
        assert "nothing to segment on" in exc.message
        return
    matrix = fitted.matrix
    assert matrix.shape[0] == len(frame) and np.isfinite(matrix).all()
    for name, (start, end) in fitted.blocks.items():
        norms = np.linalg.norm(matrix[:, start:end], axis=1)
        if norms.mean() > 0:
            assert np.isclose(norms.mean(), weights[name], rtol=1e-4)
    assert np.array_equal(transform_features(customers, None, fitted.spec), matrix)
    order = list(range(len(frame)))
    rnd.shuffle(order)
    shuffled = prepare_customers(frame.iloc[order].reset_index(drop=True), roles)
    assert np.allclose(transform_features(shuffled, None, fitted.spec), matrix[order], atol=1e-5)
