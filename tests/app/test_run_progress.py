"""The progress drawn while a run goes: one line per stage and an estimate of the embedding time left."""

import ui.run as run_module
from ui.run import StageProgress


class _Recorder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.written: list[str] = []
        self.bar: list[float] = []

    def progress(self, value: float) -> "_Recorder":
        self.bar.append(value)
        return self

    def empty(self) -> "_Recorder":
        return self

    def text(self, line: str) -> None:
        self.lines.append(line)

    def write(self, line: str) -> None:
        self.written.append(line)

    def update(self, **kwargs) -> None:
        pass


def test_embedding_stage_shows_time_left_from_the_rate_so_far(monkeypatch):
    clock = iter([0.0, 0.0, 0.0, 20.0, 21.0])
    monkeypatch.setattr(run_module.time, "perf_counter", lambda: next(clock))
    status = _Recorder()
    progress = StageProgress(status)
    progress("load", 1.0, "3,000 customers")
    progress("embed", 0.0, "Embedding texts")
    progress("embed", 0.25, "Embedded 750 of 3,000 new texts")  # 20 s for a quarter: 60 s left
    progress("reduce", 0.0, "UMAP")
    assert status.lines[2].endswith("about 60 s left")
    assert status.written[-1].startswith("✓ Embedding texts (21.0 s)")
    assert status.bar == sorted(status.bar) and 0 < status.bar[-1] < 1
