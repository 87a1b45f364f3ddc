"""``python -m tests.e2e.serve_app run app.py …``: ``ui.serve`` with the tests' fake embedder registered first.

The app's server runs its scripts in this process, so ``SEGMENT_STUDIO_EMBEDDER=fake`` then names a registered
embedder, while the app's own code never imports :mod:`core.testing` (see :func:`tests.e2e.harness.app_server`)."""

import sys

import core.testing.fake_embedder  # noqa: F401  (registers "fake")
from ui.serve import main

if __name__ == "__main__":
    sys.exit(main())
