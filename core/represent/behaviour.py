"""What customers did: interactions and items, typed, and the behaviour features made from them.

Interactions are one row per event (user id, item id, optional value and timestamp); items are
one row per item (its id, and a name and categories found by their column names; a category cell
may hold several values separated by ``|`` or ``;``). Per customer the behaviour block holds
recency, frequency, monetary value (with a value column), shares of the most chosen categories (with item
categories) and a short embedding of the item history (truncated SVD of the customer × item
matrix); each of these sub-blocks is scaled to a mean row norm of 1 so they weigh alike.
The block goes into :func:`core.represent.features.build_features` as ``extra_blocks={"behaviour": ...}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.errors import ColumnError, InputError
from core.ingest.io import LoadedTable
from core.ingest.roles import parse_numbers
from core.ingest.times import parse_times
from core.represent.features import Customers
from core.storage.hashing import array_hash, stable_hash

_CATEGORY_SPLIT = re.compile(r"[|;]")
_NAME_COLS = ("name", "title", "item_name", "product_name", "product", "item_title")
_CATEGORY_HINTS = ("categor", "genre", "department")
HISTORY_DIMS = 16
TOP_CATEGORIES = 40  # the most chosen categories get a share column each


@dataclass(frozen=True)
class InteractionInputs:
    """The interactions (and optionally items) files with the analyst's column choices."""

    table: LoadedTable
    item_col: str
    user_col: str | None = None  # default: the users table's id column name
    value_col: str | None = None
    time_col: str | None = None
    items: LoadedTable | None = None
    time_unit: str = "auto"  # how the time column is written (core.ingest.times.TIME_UNITS)


@dataclass
class Interactions:
    """Typed events and the item catalogue.

    ``events`` has the columns ``user`` and ``item`` (strings), ``value`` (float) when a value
    column was given and ``time`` (UTC timestamps) when a time column was given. ``item_ids``
    is the catalogue: items seen in the events first, then items only in the items table.
    """

    events: pd.DataFrame
    item_ids: np.ndarray
    item_names: dict[str, str]
    item_categories: dict[str, list[str]]
    content_hash: str
    source: dict
    notices: list[str] = field(default_factory=list)

    @property
    def has_value(self) -> bool:
        return "value" in self.events

    @property
    def has_time(self) -> bool:
        return "time" in self.events

    def subset(self, mask: np.ndarray) -> Interactions:
        """The same catalogue with only the events where ``mask`` holds (e.g. a training split)."""
        return Interactions(self.events.loc[mask].reset_index(drop=True), self.item_ids, self.item_names,
                            self.item_categories, stable_hash(self.content_hash, array_hash(mask)), self.source, [])


def _find_column(columns: list[str], exact: tuple[str, ...], hints: tuple[str, ...] = ()) -> str | None:
    lowered = {c.lower().strip(): c for c in columns}
    for name in exact:
        if name in lowered:
            return lowered[name]
    for c in columns:
        if any(h in c.lower() for h in hints):
            return c
    return None


def _missing(table: LoadedTable, names: list[str | None], label: str) -> list[str]:
    gone = [n for n in dict.fromkeys(n for n in names if n) if n not in table.frame.columns]
    if not gone:
        return []
    available = ", ".join(repr(c) for c in list(table.frame.columns)[:20])
    return [f"The {label} table ({table.name}) has no column {', '.join(repr(c) for c in gone)}; "
            f"its columns are {available}."]


def _guess(columns: list[str], hints: tuple[str, ...]) -> str | None:
    return next((c for h in hints for c in columns if h in c.lower()), None)


def guess_item_column(columns: list[str]) -> str | None:
    """The column whose name says it holds items (item, product, sku, article), or None."""
    return _guess(columns, ("item", "product", "sku", "article"))


def guess_interaction_columns(columns: list[str], users_id_col: str | None) -> dict[str, str | None]:
    """First guesses for the interactions' columns (``user_col``, ``item_col``, ``value_col``, ``time_col``):
    the users' id column name for the user, column names for the rest."""
    user = users_id_col if users_id_col in columns else _guess(columns, ("user", "customer", "client", "id"))
    rest = [c for c in columns if c != user]
    item = guess_item_column(rest) or (rest[0] if rest else None)
    rest = [c for c in rest if c != item]
    return {"user_col": user or (columns[0] if columns else None), "item_col": item,
            "value_col": _guess(rest, ("amount", "value", "rating", "quantity", "qty", "price", "spend")),
            "time_col": _guess(rest, ("time", "date", "when", "ts"))}


def prepare_interactions(inputs: InteractionInputs, default_user_col: str | None) -> Interactions:
    """Check every named column at once, type the events and read the catalogue.

    Raises :class:`ColumnError` listing every unknown column of both tables, and
    :class:`InputError` when no event has both a user and an item.
    """
    user_col = inputs.user_col or default_user_col
    if user_col is None:
        raise ColumnError("The users table has no id column, so the interactions cannot be matched to customers. "
                          "Name the users' id column (--id-col) and, if it differs, the interactions' user column "
                          "(--interactions-user-col).")
    frame = inputs.table.frame
    problems = _missing(inputs.table, [user_col, inputs.item_col, inputs.value_col, inputs.time_col], "interactions")
    if inputs.items is not None:
        problems += _missing(inputs.items, [inputs.item_col], "items")
    if problems:
        raise ColumnError(" ".join(problems))
    notices: list[str] = []
    events = pd.DataFrame({"user": frame[user_col].astype("string").str.strip(),
                           "item": frame[inputs.item_col].astype("string").str.strip()})
    if inputs.value_col:
        events["value"] = parse_numbers(frame[inputs.value_col])
        bad = int(events["value"].isna().sum() - frame[inputs.value_col].isna().sum())
        if bad:
            notices.append(f"{bad:,} value(s) in {inputs.value_col!r} are not numbers and count as 0.")
        events["value"] = events["value"].fillna(0.0)
    if inputs.time_col:
        times = parse_times(frame[inputs.time_col], inputs.time_col, inputs.time_unit)
        if times.values.isna().all():
            raise InputError(f"No value in the time column {inputs.time_col!r} reads as a date or time "
                             f"({times.notice}) Give dates (e.g. 2025-03-01 14:00), Unix epoch numbers or Excel "
                             "serial dates, say how they are written (--time-unit), or leave --time-col out.")
        events["time"] = times.values
        notices.append(times.notice)
    keep = events["user"].notna() & events["item"].notna()
    if "time" in events:
        keep &= events["time"].notna()
    if not keep.all():
        notices.append(f"Dropped {int((~keep).sum()):,} interaction(s) without a user, an item"
                       f"{' or a readable time' if 'time' in events else ''}.")
        events = events.loc[keep].reset_index(drop=True)
    if events.empty:
        raise InputError(f"{inputs.table.name} has no interaction with both a user and an item. "
                         "Check the user and item columns.")
    item_ids = list(dict.fromkeys(events["item"].tolist()))
    names: dict[str, str] = {}
    categories: dict[str, list[str]] = {}
    if inputs.items is not None:
        items = inputs.items.frame
        ids = items[inputs.item_col].astype("string").str.strip()
        cols = [c for c in items.columns if c != inputs.item_col]
        name_col = _find_column(cols, _NAME_COLS)
        cat_col = _find_column(cols, ("category", "categories", "genre", "genres"), _CATEGORY_HINTS)
        if name_col:
            names = {i: str(n) for i, n in zip(ids, items[name_col], strict=False) if pd.notna(i) and pd.notna(n)}
        if cat_col:
            for i, cell in zip(ids, items[cat_col], strict=False):
                if pd.notna(i) and pd.notna(cell):
                    categories[i] = [c.strip() for c in _CATEGORY_SPLIT.split(str(cell)) if c.strip()]
        known = set(item_ids)
        item_ids += [i for i in dict.fromkeys(ids.dropna().tolist()) if i not in known]
        unknown = events["item"].nunique() - int(events["item"].drop_duplicates().isin(set(ids.dropna())).sum())
        if unknown:
            notices.append(f"{unknown:,} item(s) in the interactions are not in the items table "
                           "(they have no name or category).")
    source = {"name": inputs.table.name, "rows": int(len(frame)), "events": int(len(events)),
              "users": int(events["user"].nunique()), "items": len(item_ids), "user_col": user_col,
              "item_col": inputs.item_col, "value_col": inputs.value_col, "time_col": inputs.time_col,
              "time_unit": inputs.time_unit,
              "items_table": inputs.items.name if inputs.items is not None else None}
    key = stable_hash(inputs.table.content_hash, inputs.items.content_hash if inputs.items is not None else None,
                      user_col, inputs.item_col, inputs.value_col, inputs.time_col,
                      *([inputs.time_unit] if inputs.time_unit != "auto" else []))
    return Interactions(events, np.asarray(item_ids, dtype=object), names, categories, key, source, notices)


@dataclass
class Matched:
    """Events matched to the customers: each event's customer row and item column."""

    user: np.ndarray  # customer position of each kept event
    item: np.ndarray  # catalogue position of each kept event
    keep: np.ndarray  # which events were matched to a customer
    n_customers: int
    n_items: int

    def matrix(self) -> sp.csr_matrix:
        """Customers × items, 1 where the customer chose the item at least once."""
        m = sp.csr_matrix((np.ones(len(self.user), dtype=np.float32), (self.user, self.item)),
                          shape=(self.n_customers, self.n_items))
        m.sum_duplicates()
        m.data[:] = 1.0
        return m


def match(interactions: Interactions, customer_ids: pd.Series) -> Matched:
    """Place every event on its customer's row; events of unknown users are left out."""
    user = pd.Categorical(interactions.events["user"], categories=pd.Index(customer_ids.astype(str))).codes
    item = pd.Categorical(interactions.events["item"], categories=pd.Index(interactions.item_ids)).codes
    keep = user >= 0
    return Matched(user[keep].astype(np.int64), item[keep].astype(np.int64), keep, len(customer_ids),
                   len(interactions.item_ids))


def _unit_rows(block: np.ndarray) -> np.ndarray:
    mean = float(np.linalg.norm(block, axis=1).mean()) if len(block) else 0.0
    return block / mean if mean > 0 else block


def _standardise(x: np.ndarray) -> np.ndarray:
    std = x.std()
    return np.clip((x - x.mean()) / std, -5, 5) if std > 0 else np.zeros_like(x)


@dataclass
class BehaviourBlock:
    """The behaviour features, one row per customer, with a name per column."""

    matrix: np.ndarray
    names: list[str]
    with_history: int  # customers with at least one interaction


def behaviour_block(interactions: Interactions, matched: Matched, seed: int = 0) -> BehaviourBlock:
    """Recency, frequency, monetary, category shares and a history embedding per customer."""
    n = matched.n_customers
    events = interactions.events.loc[matched.keep]
    frequency = np.bincount(matched.user, minlength=n).astype(np.float64)
    has = frequency > 0
    rfm, names = [np.log1p(frequency)], ["frequency (log events)"]
    if interactions.has_time:
        seconds = events["time"].astype("int64").to_numpy() / 1e9  # pandas stores UTC nanoseconds
        last = np.full(n, -np.inf)
        np.maximum.at(last, matched.user, seconds)
        days = (seconds.max() - last) / 86400.0
        days[~has] = days[has].max() if has.any() else 0.0
        rfm.append(np.log1p(days))
        names.append("recency (log days since last)")
    if interactions.has_value:
        spend = np.bincount(matched.user, weights=events["value"].to_numpy(dtype=np.float64), minlength=n)
        rfm.append(np.sign(spend) * np.log1p(np.abs(spend)))
        names.append("monetary (log total value)")
    parts = [_unit_rows(np.column_stack([_standardise(c) for c in rfm]))]
    counts = sp.csr_matrix((np.ones(len(matched.user)), (matched.user, matched.item)),
                           shape=(n, matched.n_items))
    if interactions.item_categories:
        levels = sorted({c for cats in interactions.item_categories.values() for c in cats})
        col = {c: j for j, c in enumerate(levels)}
        rows, cols, vals = [], [], []
        for i, item in enumerate(interactions.item_ids):
            cats = interactions.item_categories.get(item, [])
            for c in cats:
                rows.append(i)
                cols.append(col[c])
                vals.append(1.0 / len(cats))
        item_cat = sp.csr_matrix((vals, (rows, cols)), shape=(matched.n_items, len(levels)))
        totals = np.asarray(counts.sum(axis=1)).ravel()
        weight = (counts @ item_cat).tocsc()
        top = np.argsort(-np.asarray(weight.sum(axis=0)).ravel(), kind="stable")[:TOP_CATEGORIES]
        top = np.sort(top)
        shares = weight[:, top].toarray() / np.maximum(totals, 1)[:, None]
        parts.append(_unit_rows(shares))
        names += [f"share of {levels[j]}" for j in top]
    binary = matched.matrix()
    dims = min(HISTORY_DIMS, binary.shape[1] - 1, int(has.sum()) - 1)
    if dims >= 2:
        from sklearn.decomposition import TruncatedSVD

        norms = np.sqrt(np.asarray(binary.sum(axis=1)).ravel())
        weighted = sp.diags(1.0 / np.maximum(norms, 1)) @ binary
        history = TruncatedSVD(dims, random_state=seed).fit_transform(weighted)
        parts.append(_unit_rows(history))
        names += [f"history {d + 1}" for d in range(dims)]
    return BehaviourBlock(np.hstack(parts).astype(np.float32), names, int(has.sum()))


def behaviour_stage(inputs: InteractionInputs | Interactions, customers: Customers, roles: dict[str, str], seed: int,
               notices: list[str]) -> tuple[Interactions, Matched, np.ndarray, dict]:
    """Type the interactions, match them to the customers and make the behaviour block."""
    if isinstance(inputs, InteractionInputs):
        inputs = prepare_interactions(inputs, next((c for c, r in roles.items() if r == "id"), None))
    notices.extend(inputs.notices)
    matched = match(inputs, customers.frame["id"])
    if not matched.keep.any():
        raise InputError(
            f"No user of the interactions is a customer of the users table (interactions say "
            f"{inputs.events['user'].iloc[0]!r}, the users table {customers.frame['id'].iloc[0]!r}). Check the "
            f"interactions' user column ({inputs.source['user_col']!r}) and the users' id column.")
    unknown = int(inputs.events.loc[~matched.keep, "user"].nunique())
    if unknown:
        notices.append(f"{unknown:,} user(s) in the interactions are not in the users table; "
                       "their interactions are left out.")
    block = behaviour_block(inputs, matched, seed)
    cold = len(customers) - block.with_history
    if cold:
        notices.append(f"{cold:,} customer(s) have no interactions: their behaviour features are neutral and "
                       "they get their segment's list (cold start).")
    info = {**inputs.source, "matched_events": int(matched.keep.sum()), "customers_with_history": block.with_history,
            "features": block.names}
    return inputs, matched, block.matrix, info
