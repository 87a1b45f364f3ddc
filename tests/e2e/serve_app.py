"""``python -m tests.e2e.serve_app run app.py …``: ``streamlit run`` with the tests' fake embedder registered first.

The app's server runs its scripts in this process, so ``SEGMENT_STUDIO_EMBEDDER=fake`` then names a registered
embedder, while the app's own code never imports :mod:`core.testing` (see :func:`tests.e2e.harness.app_server`)."""

import sys

from streamlit.web import cli

import core.testing.fake_embedder  # noqa: F401  (registers "fake")

if __name__ == "__main__":
    sys.exit(cli.main(prog_name="streamlit"))
