"""Run one ``python -m core segment`` in this process; print its wall seconds and peak memory as JSON.

Peak resident memory is the process's high-water mark (``VmHWM`` in ``/proc/self/status``, which a
new program image starts afresh, unlike ``getrusage``'s ``ru_maxrss``, which a child inherits from the
process it was forked from) and, per stage, the highest ``VmRSS`` sampled every 50 ms while the stage
the command's progress lines on stderr last named runs (what follows the last stage, writing the
outputs, counts under it).
"""

from __future__ import annotations

import io
import json
import re
import sys
import threading
import time

from core.cli import main

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


def resident_mib(field: str = "VmRSS") -> float:
    """This process's resident memory now (``VmRSS``) or at its highest (``VmHWM``), in MiB; 0 without /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
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
    peak_mib = resident_mib("VmHWM")
    print(json.dumps({"rc": rc, "seconds": seconds, "peak_mib": peak_mib, "stage_peak_mib": peaks}))
