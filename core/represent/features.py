"""From a table with column roles to one row per customer and a weighted feature matrix.

Rows are grouped per customer when the id column repeats (one row per review, say): texts
are joined (or their embeddings averaged), numbers averaged, categories take their most
frequent value, dates their latest. Feature blocks — text embedding, robust-scaled numbers,
one-hot categories — are each scaled to a mean row norm of 1, then multiplied by the
analyst's weight, so a weight means the same whatever the block's width.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import ColumnError, ParameterError
from core.ingest.roles import parse_numbers
from core.ingest.times import parse_times

MAX_TEXT_CHARS = 2000
TOP_LEVELS = 20
TEXT_AGGREGATIONS = ("join", "mean")
DESCRIBING_ROLES = ("text", "numeric", "categorical", "date")  # the roles that describe a customer


@dataclass
class Customers:
    """One row per customer: ``frame`` holds the id column ``id`` and the typed role columns."""

    frame: pd.DataFrame
    roles: dict[str, str]
    texts: list[str]
    # with text aggregation "mean": the per-row texts and, for each, the customer's position
    row_texts: list[str] | None = None
    row_owner: np.ndarray | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def columns(self) -> dict[str, list[str]]:
        """Column names per role (id excluded)."""
        out: dict[str, list[str]] = {"text": [], "numeric": [], "categorical": [], "date": []}
        for col, role in self.roles.items():
            if role in out:
                out[role].append(col)
        return out

    def __len__(self) -> int:
        return len(self.frame)


def join_text_columns(frame: pd.DataFrame, text_cols: list[str]) -> pd.Series:
    """Each row's text columns joined with '. ' (empty values skipped)."""
    if not text_cols:
        return pd.Series([""] * len(frame), index=frame.index, dtype="string")
    parts = frame[text_cols].astype("string").fillna("")
    if len(text_cols) == 1:
        return parts[text_cols[0]].str.strip()
    return parts.apply(lambda row: ". ".join(v.strip() for v in row if v.strip()), axis=1).astype("string")


def prepare_customers(
    frame: pd.DataFrame,
    roles: dict[str, str],
    text_aggregation: str = "join",
    max_text_chars: int = MAX_TEXT_CHARS,
    has_behaviour: bool = False,
) -> Customers:
    """Type the columns, group rows per customer when ids repeat, and gather each customer's text.

    With ``has_behaviour`` (interactions will describe the customers) a table of ids alone is enough.
    """
    if text_aggregation not in TEXT_AGGREGATIONS:
        raise ParameterError(
            f"text aggregation must be one of {', '.join(TEXT_AGGREGATIONS)}, not {text_aggregation!r}.")
    usable = [c for c, r in roles.items() if r in DESCRIBING_ROLES]
    if not usable and not has_behaviour:
        raise ColumnError(
            "No column can describe the customers: every column is an id or ignored. "
            "Mark at least one column as text, numeric or categorical, or add interactions."
        )
    notices: list[str] = []
    id_cols = [c for c, r in roles.items() if r == "id"]
    if id_cols:
        ids = frame[id_cols[0]].astype("string")
        if ids.isna().any():
            n = int(ids.isna().sum())
            notices.append(f"Dropped {n:,} row(s) without a value in the id column {id_cols[0]!r}.")
            keep = ids.notna()
            frame, ids = frame.loc[keep], ids.loc[keep]
    else:
        ids = pd.Series(np.arange(1, len(frame) + 1), index=frame.index).astype("string")
    columns: dict[str, pd.Series] = {"id": ids}
    for col, role in roles.items():
        if role == "numeric":
            columns[col] = parse_numbers(frame[col])
        elif role == "date":
            times = parse_times(frame[col], col)
            columns[col] = times.values
            if not times.plain:
                notices.append(times.notice)
        elif role in ("categorical", "text"):
            columns[col] = frame[col].astype("string")
    typed = pd.DataFrame(columns, index=frame.index)
    text_cols = [c for c, r in roles.items() if r == "text"]
    texts = join_text_columns(typed, text_cols)
    long = texts.str.len() > max_text_chars
    if long.any():
        notices.append(
            f"{int(long.sum()):,} text(s) longer than {max_text_chars:,} characters were cut to that length "
            "for embedding (the model reads only their beginning anyway)."
        )
        texts = texts.str.slice(0, max_text_chars)
    row_texts, row_owner = None, None
    if ids.duplicated().any():
        grouped = typed.groupby("id", sort=False)
        agg: dict[str, object] = {}
        for col, role in roles.items():
            if role == "numeric":
                agg[col] = "mean"
            elif role == "categorical":
                agg[col] = lambda s: s.mode().iloc[0] if s.notna().any() else pd.NA
            elif role == "date":
                agg[col] = "max"
            elif role == "text":
                agg[col] = "first"
        customers = grouped.agg(agg).reset_index() if agg else grouped.size().reset_index()[["id"]]
        owner = pd.Categorical(typed["id"], categories=customers["id"]).codes
        if text_aggregation == "mean":
            row_texts, row_owner = texts.tolist(), np.asarray(owner)
        joined = texts.groupby(typed["id"].to_numpy(), sort=False).agg(lambda s: "\n".join(t for t in s if t))
        texts = joined.reindex(customers["id"]).fillna("").str.slice(0, max_text_chars * 4)
        notices.append(f"Grouped {len(typed):,} rows into {len(customers):,} customers by {id_cols[0]!r}.")
        typed = customers
    typed = typed.reset_index(drop=True)
    texts_list = texts.fillna("").tolist()
    if text_cols:
        empty = sum(1 for t in texts_list if not t)
        if empty:
            notices.append(
                f"{empty:,} customer(s) have no text; they get average text features and are placed by their "
                "other columns."
            )
    return Customers(typed, dict(roles), texts_list, row_texts, row_owner, notices)


def _mean_norm(block: np.ndarray) -> float:
    norms = np.linalg.norm(block, axis=1)
    return float(norms.mean()) if len(norms) else 0.0


def _apply_scale(block: np.ndarray, mean: float, weight: float) -> np.ndarray:
    if mean <= 0:
        return block.astype(np.float32)
    out = block / mean
    out *= weight  # in place: one temporary for a 200,000 × 384 block, not three
    return out.astype(np.float32, copy=False)


def _fit_numeric(customers: Customers) -> list[dict]:
    """Per numeric or date column: median and spread (IQR/1.349) and, for dates, the latest date."""
    fitted = []
    for col in customers.columns["numeric"] + customers.columns["date"]:
        values = customers.frame[col]
        entry: dict = {"column": col, "kind": customers.roles[col]}
        if entry["kind"] == "date":
            latest = values.max()
            if pd.isna(latest):
                continue
            entry["latest"] = latest.isoformat()
            values = (latest - values).dt.total_seconds() / 86400.0
        x = values.to_numpy(dtype="float64", na_value=np.nan)
        if np.all(np.isnan(x)):
            continue
        median = np.nanmedian(x)
        q75, q25 = np.nanpercentile(x, [75, 25])
        spread = (q75 - q25) / 1.349 or np.nanstd(x) or 1.0
        fitted.append({**entry, "median": float(median), "spread": float(spread)})
    return fitted


def _numeric_values(frame: pd.DataFrame, entry: dict) -> np.ndarray:
    values = frame[entry["column"]]
    if entry["kind"] == "date":
        values = (pd.Timestamp(entry["latest"]) - values).dt.total_seconds() / 86400.0
    return values.to_numpy(dtype="float64", na_value=np.nan)


def _apply_numeric(frame: pd.DataFrame, fitted: list[dict]) -> np.ndarray:
    cols = [np.clip(np.nan_to_num((_numeric_values(frame, e) - e["median"]) / e["spread"], nan=0.0), -5, 5)
            for e in fitted]
    if not cols:
        return np.zeros((len(frame), 0), dtype=np.float32)
    return np.column_stack(cols).astype(np.float32)


def numeric_block(customers: Customers) -> tuple[np.ndarray, list[str]]:
    """Robust-scaled numbers (median/IQR, clipped at ±5) and dates as days before the latest."""
    fitted = _fit_numeric(customers)
    names = [f"{e['column']} (days before latest)" if e["kind"] == "date" else e["column"] for e in fitted]
    return _apply_numeric(customers.frame, fitted), names


def _fit_categorical(customers: Customers) -> list[dict]:
    """Per categorical column: its most frequent levels and whether rarer ones exist ('other')."""
    fitted = []
    for col in customers.columns["categorical"]:
        values = customers.frame[col]
        top = values.value_counts().index[:TOP_LEVELS].tolist()
        other = bool((values.notna() & ~values.isin(top)).any())
        if top or other:
            fitted.append({"column": col, "levels": [str(v) for v in top], "other": other})
    return fitted


def _apply_categorical(frame: pd.DataFrame, fitted: list[dict]) -> np.ndarray:
    blocks = []
    for entry in fitted:
        values = frame[entry["column"]].astype("string")
        for level in entry["levels"]:
            blocks.append((values == level).fillna(False).to_numpy(dtype=np.float32))
        if entry["other"]:
            blocks.append((values.notna() & ~values.isin(entry["levels"])).to_numpy(dtype=np.float32))
    if not blocks:
        return np.zeros((len(frame), 0), dtype=np.float32)
    return np.column_stack(blocks)


def categorical_block(customers: Customers) -> tuple[np.ndarray, list[str]]:
    """One-hot of each categorical column's most frequent levels (rarer ones share 'other')."""
    fitted = _fit_categorical(customers)
    names = []
    for entry in fitted:
        names += [f"{entry['column']} = {level}" for level in entry["levels"]]
        names += [f"{entry['column']} = (other)"] if entry["other"] else []
    return _apply_categorical(customers.frame, fitted), names


@dataclass
class FeatureSpec:
    """What :func:`build_features` learnt from the training customers, to describe new ones the same way.

    Plain JSON-able data: numeric/date columns with median, spread (and latest date), categorical
    columns with their levels, each block's mean row norm and weight, and the block order.
    """

    numeric: list[dict]
    categorical: list[dict]
    scales: dict[str, float]  # block → mean row norm of the training block (0: left unscaled)
    weights: dict[str, float]  # block → weight used
    order: list[str]  # blocks in matrix order

    def to_dict(self) -> dict:
        return {"numeric": self.numeric, "categorical": self.categorical, "scales": self.scales,
                "weights": self.weights, "order": self.order}

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSpec:
        return cls(list(data["numeric"]), list(data["categorical"]), dict(data["scales"]), dict(data["weights"]),
                   list(data["order"]))


@dataclass
class FeatureMatrix:
    """The weighted matrix the reduction sees, with its blocks' column ranges and the fitted spec."""

    matrix: np.ndarray
    blocks: dict[str, tuple[int, int]]
    spec: FeatureSpec | None = None


def build_features(
    customers: Customers,
    text_vectors: np.ndarray | None,
    weights: dict[str, float],
    extra_blocks: dict[str, np.ndarray] | None = None,
) -> FeatureMatrix:
    """Scale each block to unit mean row norm times its weight and put them side by side.

    ``extra_blocks`` adds named blocks computed elsewhere (one row per customer, in order),
    weighted by ``weights[name]`` like the built-in ones. The returned ``spec`` lets
    :func:`transform_features` describe new customers with the same scaling.
    """
    for name, w in weights.items():
        if w < 0:
            raise ParameterError(f"The weight of the {name} block must be 0 or more, not {w}.")
    numeric, categorical = _fit_numeric(customers), _fit_categorical(customers)
    parts: list[tuple[str, np.ndarray]] = []
    if text_vectors is not None and text_vectors.size:
        parts.append(("text", text_vectors))
    num = _apply_numeric(customers.frame, numeric)
    if num.shape[1]:
        parts.append(("numeric", num))
    cat = _apply_categorical(customers.frame, categorical)
    if cat.shape[1]:
        parts.append(("categorical", cat))
    for name, block in (extra_blocks or {}).items():
        if block.shape[0] != len(customers):
            raise ParameterError(f"The {name} block has {block.shape[0]} rows for {len(customers)} customers.")
        if block.shape[1]:
            parts.append((name, np.asarray(block, dtype=np.float32)))
    blocks: dict[str, tuple[int, int]] = {}
    spec = FeatureSpec(numeric, categorical, {}, {}, [])
    scaled, start = [], 0
    for name, block in parts:
        weight = float(weights.get(name, 1.0))
        if weight == 0:
            continue
        spec.scales[name], spec.weights[name] = _mean_norm(block), weight
        spec.order.append(name)
        scaled.append(_apply_scale(block, spec.scales[name], weight))
        blocks[name] = (start, start + block.shape[1])
        start += block.shape[1]
    if not parts:
        raise ParameterError(
            "The table's text, numeric and categorical columns are all empty, so there is nothing "
            "to segment on. Upload a table with customer text, numbers or categories in it."
        )
    if not scaled:
        raise ParameterError(
            "Every feature block is empty or has weight 0, so there is nothing to segment on. "
            "Give a text, numeric or categorical block a weight above 0."
        )
    return FeatureMatrix(np.hstack(scaled).astype(np.float32, copy=False), blocks, spec)


def transform_features(
    customers: Customers,
    text_vectors: np.ndarray | None,
    spec: FeatureSpec,
    extra_blocks: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Describe (new) customers with a fitted spec: the same columns, levels, scales and weights."""
    own = {"numeric": lambda: _apply_numeric(customers.frame, spec.numeric),
           "categorical": lambda: _apply_categorical(customers.frame, spec.categorical)}
    scaled = []
    for name in spec.order:
        if name == "text":
            if text_vectors is None:
                raise ParameterError("The saved segmentation uses text, but the new customers have none.")
            block = text_vectors
        elif name in own:
            block = own[name]()
        elif extra_blocks and name in extra_blocks:
            block = np.asarray(extra_blocks[name], dtype=np.float32)
        else:
            raise ParameterError(
                f"The saved segmentation uses the {name} block, which is not given for the new customers.")
        scaled.append(_apply_scale(block, spec.scales[name], spec.weights[name]))
    return np.hstack(scaled).astype(np.float32)
