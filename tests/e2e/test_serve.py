"""./run_app.sh listens on loopback only; --network refuses in one line, listening nowhere, unless sign-in is
configured."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from core.auth.users import add_user
from tests.e2e.harness import ROOT, free_port, listening_addresses, wait_healthy

LOOPBACK = {"127.0.0.1", "::1"}


def _env(tmp_path, users_file) -> dict[str, str]:
    return {**os.environ, "SEGMENT_STUDIO_WORKSPACE": str(tmp_path / "ws"),
            "SEGMENT_STUDIO_USERS": str(users_file)}


@contextmanager
def run_app(tmp_path, users_file, *args: str) -> Iterator[int]:
    """``./run_app.sh ARGS`` on a free port until it answers; yields the port; stops it at the end."""
    port = free_port()
    with open(tmp_path / f"run_app-{port}.log", "wb") as log:
        process = subprocess.Popen([str(ROOT / "run_app.sh"), *args, "--server.port", str(port)], cwd=tmp_path,
                                   env=_env(tmp_path, users_file), stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process, timeout=600)  # the first start may install .venv
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_run_app_listens_on_loopback_only(tmp_path):
    with run_app(tmp_path, tmp_path / "no-users.toml") as port:
        addresses = listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, addresses


def test_network_without_sign_in_refuses_in_one_line_and_listens_nowhere(tmp_path):
    port = free_port()
    done = subprocess.run([str(ROOT / "run_app.sh"), "--network", "--server.port", str(port)], cwd=tmp_path,
                          env=_env(tmp_path, tmp_path / "no-users.toml"), capture_output=True, text=True, timeout=300)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if not line.startswith("setup: ")]
    assert done.returncode != 0
    assert len(lines) == 1 and lines[0].startswith("error: Sign-in is not configured") and "users add" in lines[0]
    assert listening_addresses(port) == set()


def test_network_with_sign_in_configured_listens_on_every_interface(tmp_path):
    users = tmp_path / "users.toml"
    add_user(users, "alice", "alice's long password")
    with run_app(tmp_path, users, "--network") as port:
        assert listening_addresses(port) == {"0.0.0.0"}
