"""Do a fresh install's first-run work once, at install time: export the default embedding model to int8 ONNX (where
that is the default backend) and let numba compile UMAP into its disk cache, so the first map a newcomer draws is warm.

    .venv/bin/python scripts/warm_up.py     (scripts/setup.sh runs it after installing the requirements)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import EmbedderChoice, choose_embedder, warm_up
from core.errors import CoreError


def main() -> None:
    start = time.perf_counter()
    try:
        embedder, _ = choose_embedder(["warm up"], EmbedderChoice())
        embedder.encode(["warm up"])
    except CoreError as error:
        print(f"setup: the embedding model did not load ({error}); the app will say so", file=sys.stderr)
    model = time.perf_counter() - start
    compiled = warm_up(nn_descent=False)
    print(f"setup: warmed up the embedding model ({model:.0f} s) and UMAP's compilation ({compiled:.0f} s)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
