"""Run one ``python -m core segment`` in this process and print its wall seconds and peak memory as JSON."""

from __future__ import annotations

import json
import resource
import sys
import time

from core.__main__ import main

if __name__ == "__main__":
    start = time.perf_counter()
    rc = main(["segment", *sys.argv[1:], "--quiet"])
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(json.dumps({"rc": rc, "seconds": time.perf_counter() - start, "peak_mib": peak_mib}))
