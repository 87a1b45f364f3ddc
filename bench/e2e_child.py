"""Run one ``python -m core segment`` in this process; print its wall seconds and peak memory as JSON.

Peak resident memory is read from the process (``getrusage``) and, per stage, sampled every 50 ms
from ``/proc/self/status`` while the stage the command's progress lines on stderr last named runs
(what follows the last stage, writing the outputs, counts under it).
"""

from __future__ import annotations

import io
import json
import re
import resource
import sys
import threading
import time

from core.__main__ import main

_STAGE_LINE = re.compile(r"\[(\w+)\]")


class StageTracker(io.TextIOBase):
    """Stands in for stderr (and writes through to it): remembers the stage of the last progress line."""

    def __init__(self) -> None:
        self.stage = "start"

    def write(self, text: str) -> int:
        found = _STAGE_LINE.match(text)
        if found:
            self.stage = found.group(1)
        return sys.__stderr__.write(text)


def resident_mib() -> float:
    """This process's resident memory now, in MiB (0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def sample_peaks(tracker: StageTracker, peaks: dict[str, float], done: threading.Event) -> None:
    """Until ``done``: the highest resident memory seen during each stage."""
    while not done.wait(0.05):
        stage = tracker.stage
        peaks[stage] = max(peaks.get(stage, 0.0), resident_mib())


if __name__ == "__main__":
    tracker, peaks, done = StageTracker(), {}, threading.Event()
    sampler = threading.Thread(target=sample_peaks, args=(tracker, peaks, done), daemon=True)
    sampler.start()
    start = time.perf_counter()
    sys.stderr = tracker
    rc = main(["segment", *sys.argv[1:]])
    sys.stderr = sys.__stderr__
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(json.dumps({"rc": rc, "seconds": seconds, "peak_mib": peak_mib, "stage_peak_mib": peaks}))
