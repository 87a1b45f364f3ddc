"""A private PostgreSQL server for the tests: Debian's binaries (``scripts/setup.sh test`` installs them), a data
folder in a fresh temporary directory, a free port on 127.0.0.1 and its own socket directory, a database and a
password user; stopped and removed at the end. Run as an unprivileged user (``postgres``) when the tests run as
root, since the server refuses to start as root."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
USER, PASSWORD, DATABASE = "analyst", "s3cret-pw", "shop"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int

    def url(self, password: str = PASSWORD, database: str = DATABASE) -> str:
        return f"postgresql://{USER}:{password}@{self.host}:{self.port}/{database}"


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None when no server is installed."""
    found = sorted((p for p in PG_ROOT.glob("*/bin") if (p / "initdb").exists() and (p / "pg_ctl").exists()),
                   key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway server with database ``shop`` owned by the password user ``analyst``; stop it after."""
    import psycopg

    binaries = server_binaries()
    assert binaries is not None, "no PostgreSQL server binaries"
    folder = Path(tempfile.mkdtemp(prefix="segment-studio-pg-"))
    as_user: list[str] = []
    if os.getuid() == 0:  # the server refuses root: run it as the postgres user, in a folder it owns
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log, pwfile = folder / "data", folder / "server.log", folder / "superuser.pw"
    pwfile.write_text("super-pw\n")
    if as_user:
        shutil.chown(pwfile, "postgres", "postgres")
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)

    started = False
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", "super", f"--pwfile={pwfile}", "-A", "scram-sha-256",
            "-E", "UTF8", "--locale=C")
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        started = True
        with psycopg.connect(host="127.0.0.1", port=port, user="super", password="super-pw", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
            conn.execute(f"CREATE DATABASE {DATABASE} OWNER {USER}")
        yield PostgresServer("127.0.0.1", port)
    finally:
        if started:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)
