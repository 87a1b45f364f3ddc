"""A synthetic customer table of any size made from the real reviews, with its embeddings cached.

Each synthetic customer is a real review (resampled with replacement) with its age and feedback
count perturbed and the first sentence of another review appended; its embedding is the
normalised mix 0.8·(first review's) + 0.2·(second review's), stored in the workspace's embedding
cache under the default backend's model id, so a run measures reduction, clustering and profiles.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import TEXT_COL, reviews
from core.ingest.io import load_table
from core.ingest.roles import resolve_roles
from core.represent.embedders import EmbedderChoice
from core.represent.embedding_cache import EmbeddingCache
from core.represent.features import prepare_customers
from core.represent.text import choose_embedder
from core.storage.hashing import text_hash


def _customer_texts(path: Path) -> list[str]:
    """The texts the pipeline embeds for the table at ``path`` (the same preparation as a run)."""
    table = load_table(path)
    roles = resolve_roles(table.frame, {}, "customer_id", [TEXT_COL], None)
    return prepare_customers(table.frame, roles, "join").texts


def make(n: int, out: Path, source_workspace: Path, workspace: Path, seed: int = 0) -> Path:
    """Write ``out`` (CSV, ``n`` customers) and cache its embeddings in ``workspace``; returns ``out``."""
    base = reviews().drop(columns=[""], errors="ignore")
    base.insert(0, "customer_id", [f"r{i}" for i in range(len(base))])
    base_path = out.with_name("base_reviews.csv")
    base.to_csv(base_path, index=False)
    base_texts = _customer_texts(base_path)
    embedder, _ = choose_embedder(base_texts, EmbedderChoice())
    base_vectors, cached = EmbeddingCache(source_workspace).embed(embedder, base_texts)

    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    frame = base.iloc[a].reset_index(drop=True)
    frame["customer_id"] = [f"s{i}" for i in range(n)]
    age = pd.to_numeric(frame["Age"], errors="coerce")
    frame["Age"] = (age + rng.integers(-3, 4, n)).clip(18, 99).astype("Int64").astype(str)
    feedback = pd.to_numeric(frame["Positive Feedback Count"], errors="coerce").fillna(0)
    frame["Positive Feedback Count"] = (feedback * rng.uniform(0.5, 1.5, n)).round().astype(int).astype(str)
    extra = [re.split(r"(?<=[.!?])\s", base[TEXT_COL].iat[j], maxsplit=1)[0] for j in b]
    frame[TEXT_COL] = [f"{t} {e}".strip() if t else "" for t, e in zip(frame[TEXT_COL], extra)]
    frame.to_csv(out, index=False)

    texts = _customer_texts(out)
    vectors = 0.8 * base_vectors[a] + 0.2 * base_vectors[b]
    vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    keep = {text_hash(t): i for i, t in enumerate(texts) if t}
    EmbeddingCache(workspace).store(embedder.model_id, list(keep), vectors[list(keep.values())])
    return out
