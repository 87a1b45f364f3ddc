"""How a long-running stage reports progress: ``progress(stage, fraction done in [0, 1], message)``."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, float, str], None]


def silent(stage: str, fraction: float, message: str) -> None:
    """A :data:`Progress` that reports nothing."""
