"""``python -m ui.serve run app.py [options] -- --demo``: ``streamlit run`` that starts warming up with the server.

Streamlit runs app.py only when a browser connects, seconds after the server is up; this launcher starts the
model's and UMAP's warm-up at once and, with ``--demo`` for the app (every session opens on the demo, as
``./run_app.sh`` starts it), embeds the demo's texts into the workspace's cache before the first page is drawn
(:func:`ui.warmup.start_on_server_start`). The app's server runs its scripts in this same process, so the first
session finds the warm-up and the embedding under way."""

from __future__ import annotations

import sys
import threading

from streamlit.web import cli


def _warm_up_for_the_demo() -> None:
    from ui.state import workspace_root
    from ui.warmup import start_on_server_start

    start_on_server_start(workspace_root())


def main() -> int:
    """Run Streamlit; when the app's arguments (after ``--``) hold ``--demo``, start the warm-up beside it (its
    imports too, so the server answers as soon as without it)."""
    app_args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if "--demo" in app_args:
        threading.Thread(target=_warm_up_for_the_demo, name="segment-studio-server-start", daemon=True).start()
    return int(cli.main(prog_name="streamlit") or 0)


if __name__ == "__main__":
    sys.exit(main())
