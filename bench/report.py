"""Write one benchmark's results into its own section of docs/BENCHMARKS.md, with the machine described.

Each benchmark owns the text between ``<!-- BEGIN name -->`` and ``<!-- END name -->``;
running one benchmark leaves the others' sections as they are.
"""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"
HEADER = (
    "# Benchmarks\n\n"
    "Each section is written by the script named in it (`bench/`), on the machine it describes. "
    "Ratios are measured side by side in one run; absolute times on a shared machine are weak evidence.\n"
)


def cpu_info() -> tuple[str, set[str]]:
    """This CPU's model name and its feature flags (``avx2``, ``amx_bf16`` …), from /proc/cpuinfo."""
    cpu, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    return cpu, flags


def machine() -> str:
    """A one-line description of this machine: CPU model, cores, memory, GPU, Python."""
    cpu, flags = cpu_info()
    vector = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16") if f in flags]
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    except (OSError, ValueError, IndexError):
        mem = float("nan")
    gpu = "no GPU"
    try:
        import torch

        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    load = os.getloadavg()[0]
    return (f"{cpu} ({' '.join(vector) or 'no AVX2'}), {os.cpu_count()} cores, {mem:.0f} GiB RAM, {gpu}, "
            f"Python {platform.python_version()}; load average {load:.1f} when written")


def write_section(name: str, title: str, body: str) -> None:
    """Replace (or append) the section ``name`` of docs/BENCHMARKS.md with ``body``."""
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else HEADER
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = (
        f"<!-- BEGIN {name} -->\n## {title}\n\n_Measured {stamp} on: {machine()}._\n\n{body.strip()}\n"
        f"<!-- END {name} -->"
    )
    pattern = re.compile(rf"<!-- BEGIN {re.escape(name)} -->.*?<!-- END {re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    tmp = BENCHMARKS.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, BENCHMARKS)
