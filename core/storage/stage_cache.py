"""The workspace's stage cache: every stage's result per key = hash(parent key, parameters, versions).

A result is a folder of ``.npy`` arrays and a ``meta.json`` under ``stages/<stage>/<key>/``, written
to a temporary folder and renamed into place, so a crash never leaves a half-written entry. Arrays
load with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.storage.atomic import atomic_folder

#: what a stage stores: named arrays (``.npy``) and JSON metadata
StageResult = tuple[dict[str, np.ndarray], dict]


class StageCache:
    """Results of pipeline stages under ``stages/<stage>/<key>/``."""

    def __init__(self, workspace: Path) -> None:
        self.root = Path(workspace) / "stages"

    def _dir(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def get(self, stage: str, key: str) -> tuple[dict[str, np.ndarray], dict] | None:
        """The stored (arrays, meta) for this key, or None."""
        folder = self._dir(stage, key)
        meta_path = folder / "meta.json"
        if not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in meta.get("_arrays", [])}
        except (OSError, ValueError):
            return None
        return arrays, meta

    def cached(self, stage: str, key: str,
               compute: Callable[[], StageResult]) -> tuple[dict[str, np.ndarray], dict, bool]:
        """A stage's result for this key: stored, or computed by ``compute() -> (arrays, meta)`` and stored.

        Returns (arrays, meta, cache hit). A computed result is returned as it reads back, so a first run and
        a cached one give the same types (JSON object keys are text, tuples are lists)."""
        hit = self.get(stage, key)
        if hit is None:
            self.put(stage, key, *compute())
            hit = self.get(stage, key)
            if hit is None:  # the workspace cannot be written: nothing to read back
                raise OSError(f"The stage cache under {self.root} cannot be written.")
            return hit[0], _public(hit[1]), False
        return hit[0], _public(hit[1]), True

    def json_result(self, stage: str, key: str, compute: Callable[[], dict]) -> tuple[dict, bool]:
        """:meth:`cached` for a result without arrays: (result, cache hit)."""
        _, meta, hit = self.cached(stage, key, lambda: ({}, compute()))
        return meta, hit

    def put(self, stage: str, key: str, arrays: dict[str, np.ndarray], meta: dict) -> None:
        """Store a stage result atomically (a finished folder appears, or nothing)."""
        folder = self._dir(stage, key)
        if (folder / "meta.json").exists():
            return

        def fill(tmp: Path) -> None:
            for name, array in arrays.items():
                np.save(tmp / f"{name}.npy", np.asarray(array), allow_pickle=False)
            (tmp / "meta.json").write_text(json.dumps({**meta, "_arrays": sorted(arrays)}, default=str),
                                           encoding="utf-8")

        atomic_folder(folder, fill)


def _public(meta: dict) -> dict:
    """A stored meta.json without the cache's own bookkeeping."""
    return {k: v for k, v in meta.items() if k != "_arrays"}
