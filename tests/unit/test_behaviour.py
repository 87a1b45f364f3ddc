"""Interactions and items typed and checked; behaviour features per customer, in the customers' order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import ColumnError
from core.ingest.io import load_table
from core.represent.behaviour import (
    InteractionInputs,
    behaviour_block,
    match,
    prepare_interactions,
)

EVENTS = """user,item,qty,when
a,x,2,2025-01-01
a,x,1,2025-01-05
a,y,3,2025-01-03
b,z,10,2025-02-01
ghost,x,1,2025-02-01
"""
ITEMS = """sku,title,category,price
x,Blue shirt,Tops|Sale,10
y,Red dress,Dresses; Sale,20
z,Jeans,Jeans,30
w,Scarf,Accessories,5
"""


def table(text: str, name: str):
    return load_table(text.encode(), name=name)


def prepared(**kwargs):
    inputs = InteractionInputs(table(EVENTS.replace("item", "sku"), "events.csv"), "sku", value_col="qty",
                               time_col="when", items=table(ITEMS, "items.csv"), **kwargs)
    return prepare_interactions(inputs, "user")


def test_catalogue_names_and_several_categories_per_item():
    inter = prepared()
    assert list(inter.item_ids) == ["x", "y", "z", "w"]  # seen first, then items-table only
    assert inter.item_names["y"] == "Red dress"
    assert inter.item_categories == {"x": ["Tops", "Sale"], "y": ["Dresses", "Sale"], "z": ["Jeans"],
                                     "w": ["Accessories"]}
    assert inter.has_value and inter.has_time and len(inter.events) == 5


def test_every_unknown_column_is_reported_at_once():
    inputs = InteractionInputs(table(EVENTS, "events.csv"), "sku", user_col="customer", value_col="amount",
                               items=table("id,title\nx,Shirt\n", "items.csv"))
    with pytest.raises(ColumnError) as err:
        prepare_interactions(inputs, None)
    for name in ("'customer'", "'sku'", "'amount'", "items.csv", "events.csv"):
        assert name in err.value.message


def test_no_user_column_to_match_on():
    with pytest.raises(ColumnError, match="no id column"):
        prepare_interactions(InteractionInputs(table(EVENTS, "e.csv"), "item"), None)


def test_small_numbers_as_times_only_order_the_events_and_say_so():
    inter = prepare_interactions(InteractionInputs(table(EVENTS, "e.csv"), "item", time_col="qty"), "user")
    assert any("no date format, so they are not dates" in n for n in inter.notices)
    assert inter.events["time"].min().year == 1970  # an arbitrary start; only order and gaps count


def test_block_follows_the_customers_order_and_measures_rfm():
    inter = prepared()
    customers = pd.Series(["b", "c", "a"])  # c has no interactions; ghost is not a customer
    matched = match(inter, customers)
    assert matched.keep.tolist() == [True, True, True, True, False]
    assert matched.matrix().toarray().tolist() == [[0, 0, 1, 0], [0, 0, 0, 0], [1, 1, 0, 0]]
    block = behaviour_block(inter, matched)
    assert block.matrix.shape[0] == 3 and block.with_history == 2
    cols = {name: block.matrix[:, i] for i, name in enumerate(block.names)}
    freq, recency, spend = (cols[n] for n in ("frequency (log events)", "recency (log days since last)",
                                              "monetary (log total value)"))
    assert freq[2] > freq[0] > freq[1]  # a: 3 events, b: 1, c: none
    assert recency[1] >= recency[2] > recency[0]  # b is the most recent; c counts as the longest ago
    assert spend[0] > spend[2] > spend[1]  # b spent 10, a 6, c nothing
    assert cols["share of Jeans"][0] > 0 and cols["share of Jeans"][2] == 0
    assert cols["share of Sale"][2] > cols["share of Tops"][2] > 0  # every a item is on sale, one is a top
    assert not np.any(block.matrix[1, 3:])  # no history: no shares


def test_without_value_or_time_there_is_only_frequency_for_rfm():
    inter = prepare_interactions(InteractionInputs(table(EVENTS, "e.csv"), "item"), "user")
    block = behaviour_block(inter, match(inter, pd.Series(["a", "b"])))
    assert block.names == ["frequency (log events)"]
