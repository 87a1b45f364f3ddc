"""One command for every benchmark: ``.venv/bin/python -m bench.run_all [--only embed recluster e2e coldstart]``.

Installs the bench-only extra (BERTopic, without its dependencies, which are already requirements)
into this environment, then writes each section of docs/BENCHMARKS.md through ``bench/report.py``.
The first run embeds the 23k reviews into ``bench/.work/ws`` (tens of minutes on 2 cores); later
runs take their embeddings from there.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys

SECTIONS = ("embed", "embed_stage", "recluster", "e2e", "gpu", "coldstart")
BENCH_EXTRAS = ("bertopic==0.17.4",)


def install_extras() -> None:
    if importlib.util.find_spec("bertopic") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *BENCH_EXTRAS], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = parser.parse_args(argv)
    install_extras()
    for section in args.only:
        print(f"[bench] {section}", flush=True)
        module = importlib.import_module(f"bench.{section}_bench")
        print(module.run(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
