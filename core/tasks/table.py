"""What the app checks about a table before a run, with the pipeline's own rules: the detected column
roles, the problems a choice of roles has, the texts' language and over-long texts."""

from __future__ import annotations

from collections.abc import Mapping

from core.ingest.io import LoadedTable
from core.ingest.roles import ColumnInfo, detect_roles
from core.represent.embedders.sentence_transformer import DEFAULT_MODEL
from core.represent.features import DESCRIBING_ROLES, MAX_TEXT_CHARS, join_text_columns
from core.represent.text import auto_embedder


def detected_roles(table: LoadedTable) -> list[ColumnInfo]:
    """Every column's detected role, with why, its personal-data kind, counts and an example."""
    return detect_roles(table.frame)


def role_problems(roles: Mapping[str, str], has_interactions: bool = False) -> list[str]:
    """What stops a run with these column roles, one sentence each (none: the roles can be run)."""
    problems = []
    if list(roles.values()).count("id") > 1:
        problems.append("Only one column can be the id; set the others to another role.")
    if not any(r in DESCRIBING_ROLES for r in roles.values()) and not has_interactions:
        problems.append("No column describes the customers: mark at least one as text, numeric, categorical or "
                        "date, or upload their interactions below.")
    return problems


def language_notice(table: LoadedTable, roles: Mapping[str, str], model: str = DEFAULT_MODEL) -> str | None:
    """A sentence when the embedder on ``auto`` would not use ``model`` for the text columns (not English)."""
    text_cols = [c for c, r in roles.items() if r == "text"]
    if not text_cols:
        return None
    texts = join_text_columns(table.frame, text_cols).fillna("").tolist()
    if auto_embedder(texts, model)[0] != "multilingual":
        return None
    return (f"Most of the text is not in English, which the default model ({model}) does not read. With the "
            "embedder on auto the multilingual embedder (16 languages, Chinese included) is used instead.")


def long_text_cells(table: LoadedTable, roles: Mapping[str, str]) -> int:
    """Text cells longer than the embedding cut (:data:`core.represent.features.MAX_TEXT_CHARS`)."""
    text_cols = [c for c, r in roles.items() if r == "text"]
    if not text_cols:
        return 0
    lengths = table.frame[text_cols].astype("string").apply(lambda col: col.str.len().fillna(0))
    return int((lengths > MAX_TEXT_CHARS).to_numpy().sum())
