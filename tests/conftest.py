"""Shared fixtures: synthetic customers with planted structure, temporary workspaces."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

import core.testing.fake_embedder  # noqa: F401  (registers the tests' "fake" embedder; production code does not)

if TYPE_CHECKING:
    from core.pipeline import SegmentationResult
    from core.testing.planted import PlantedGroups
    from tests.postgres import PostgresServer

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
REVIEWS = SHARED_DATA / "womens_clothing_reviews.csv"
DEMO = ROOT / "data" / "demo" / "womens_clothing_reviews_3k.csv"

PLANTED_WORDS = {
    0: ["petite", "small", "short", "length", "hem", "tiny", "xs", "fits", "ordered", "tailored"],
    1: ["dress", "summer", "flowy", "light", "wedding", "gorgeous", "fabric", "colours", "floral", "sundress"],
    2: ["jeans", "denim", "waist", "stretchy", "hips", "pockets", "rise", "comfortable", "skinny", "wash"],
}
FILLER = ["great", "nice", "ok", "love", "like", "really", "very", "good", "bought", "wear"]


def planted_customers(n_per_group: int = 40, seed: int = 0) -> pd.DataFrame:
    """Three groups: older petite writers, dress lovers in Dresses, young denim buyers in Jeans."""
    rng = np.random.default_rng(seed)
    rows = []
    for g, words in PLANTED_WORDS.items():
        for i in range(n_per_group):
            text = " ".join(rng.choice(words, 5, replace=False).tolist() + rng.choice(FILLER, 3).tolist())
            rows.append({
                "customer_id": f"c{g}-{i}",
                "age": float(rng.normal([62, 40, 24][g], 3)),
                "spend": f"${rng.normal([100, 300, 150][g], 10):,.2f}",
                "department": ["Tops", "Dresses", "Jeans"][g] if rng.random() < 0.9 else "Tops",
                "review": text,
            })
    return pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)


@pytest.fixture(autouse=True)
def no_sign_in(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Single-user local mode unless a test configures sign-in: a developer's own user list is not read."""
    monkeypatch.setenv("SEGMENT_STUDIO_USERS", str(tmp_path_factory.getbasetemp() / "no-users.toml"))


@pytest.fixture
def planted_frame() -> pd.DataFrame:
    return planted_customers()


@pytest.fixture
def planted_csv(tmp_path: Path) -> Path:
    path = tmp_path / "planted.csv"
    planted_customers().to_csv(path, index=False)
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "workspace"


def blobs(n_per: int = 50, centres: int = 3, dim: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Well-separated Gaussian blobs and their true labels."""
    rng = np.random.default_rng(seed)
    points = np.concatenate([rng.normal(c * 10, 0.5, size=(n_per, dim)) for c in range(centres)])
    return points.astype(np.float32), np.repeat(np.arange(centres), n_per)


@pytest.fixture(scope="session")
def reviews_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 2,000 rows of the real clothing reviews (from ../shared/data, else the bundled demo)."""
    source = REVIEWS if REVIEWS.exists() else DEMO
    frame = pd.read_csv(source, dtype=str, keep_default_na=False).head(2000)
    path = tmp_path_factory.mktemp("reviews") / "reviews_2k.csv"
    frame.to_csv(path, index=False)
    return path


@dataclass
class PlantedRun:
    """The three planted groups of core.testing.planted, segmented (KMeans, k = 3) and saved once per session."""

    data: PlantedGroups
    csv: Path
    workspace: Path
    run_id: str
    result: SegmentationResult


@pytest.fixture(scope="session")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> PlantedRun:
    from core.ingest.io import load_table
    from core.parameters import SegmentParams
    from core.pipeline import run_segmentation
    from core.runs.store import save_run
    from core.segment.cluster import ClusterParams
    from core.segment.reduce import ReduceParams
    from core.testing.planted import planted_groups

    params = SegmentParams(embedder="fake", cluster=ClusterParams(algo="kmeans", k=3, seed=0),
                           reduce=ReduceParams(n_components=5, n_neighbors=15),
                           map=ReduceParams(n_components=2, n_neighbors=15))
    folder = tmp_path_factory.mktemp("planted-groups")
    data = planted_groups()
    data.frame.to_csv(folder / "planted.csv", index=False)
    result = run_segmentation(load_table(folder / "planted.csv"), params, folder / "workspace")
    run_id = save_run(result, folder / "workspace")
    return PlantedRun(data, folder / "planted.csv", folder / "workspace", run_id, result)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL server for the session (tests/postgres.py); skipped only where no server is installed."""
    from tests.postgres import postgres_server, server_binaries

    if server_binaries() is None:
        pytest.skip("PostgreSQL's server binaries are not installed (scripts/setup.sh test installs Debian's "
                    "postgresql)")
    with postgres_server() as server:
        yield server
