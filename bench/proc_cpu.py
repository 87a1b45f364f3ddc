"""CPU seconds a process has used, found from /proc by its command line (standalone: no project imports, so a
child process running another revision's code can load this file by path)."""

from __future__ import annotations

import os
from pathlib import Path


def server_cpu_seconds(url: str) -> float | None:
    """CPU seconds (user + system, all threads) the app server listening at ``url`` has used so far; None when
    no process started with its ``--server.port`` is found."""
    port = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[-1].encode()
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            command = (folder / "cmdline").read_bytes().split(b"\0")
            if b"--server.port" in command and command[command.index(b"--server.port") + 1] == port:
                fields = (folder / "stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return None
