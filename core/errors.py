"""The small family of errors the core raises on purpose.

Every message is one or more plain sentences that say what is wrong and what to do.
The CLI prints them after ``error:`` and exits 2; the app shows them with ``st.error``.
Anything else escaping the core is a bug.
"""

from __future__ import annotations


class CoreError(Exception):
    """Base of every expected, user-facing failure."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class InputError(CoreError):
    """The uploaded or given file cannot be used (unreadable, empty, malformed)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems and len(self.problems) > 1:
            message = message + " " + " ".join(f"({i}) {p}" for i, p in enumerate(self.problems, 1))
        elif self.problems:
            message = message + " " + self.problems[0]
        super().__init__(message)


class ColumnError(CoreError):
    """A named column does not exist or cannot play the role asked of it."""


class ParameterError(CoreError, ValueError):
    """A parameter is out of its allowed range or of the wrong kind."""


class ModelError(CoreError):
    """An embedding model cannot be loaded or run."""


class RunNotFoundError(CoreError):
    """A saved run or output folder does not exist in the workspace."""
