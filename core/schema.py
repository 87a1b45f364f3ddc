"""Parameters declared as data: each field of a parameter dataclass carries its bounds, choices and help.

In the spirit of scikit-learn's ``_parameter_constraints``: a field is declared once with
:func:`param`, and :func:`check_fields` validates an instance from the declarations (one clear
:class:`~core.errors.ParameterError` per bad value), the command line builds its options from them
(``core.cli.options``) and the Map form its widgets (``ui.map``). Choices may be a function, so a
registry of plug-ins (clusterers, embedders) is read when asked, not when the field is declared.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from core.errors import ParameterError

AUTO = "auto"
SEED_MAX = 2**31 - 1  # seeds fit every library's random state


@dataclass(frozen=True)
class Param:
    """What one parameter may be, and how to speak of it."""

    what: str  # how an error message names it, e.g. "The number of dimensions"
    help: str  # one line for --help and the form
    kind: type = int  # int, float, str or bool
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None
    auto: bool = False  # the text "auto" is allowed too (the program chooses)
    optional: bool = False  # None is allowed too (a default that depends on the data)
    label: str = ""  # a short name for forms and charts (default: ``what``)

    @property
    def name(self) -> str:
        """The short name for forms and charts."""
        return self.label or self.what

    def allowed(self) -> tuple[str, ...] | None:
        """The allowed values of a parameter with choices (a registry is read now), else None."""
        return self.choices() if callable(self.choices) else self.choices

    def rule(self) -> str:
        """The rule in words, e.g. "a whole number from 1 to 100"."""
        choices = self.allowed()
        if choices is not None:
            text = f"one of {', '.join(choices)}"
        elif self.kind is bool:
            text = "true or false"
        elif self.kind is int:
            text = "a whole number" + _range(self.low, self.high, "from")
        elif self.kind is float:
            text = "a number" + _range(self.low, self.high, "between")
        else:
            text = "a text"
        return text + (", or 'auto'" if self.auto else "") + (", or empty" if self.optional else "")

    def check(self, value: object) -> None:
        """Raise :class:`ParameterError` unless ``value`` follows the rule."""
        if not self.accepts(value):
            raise ParameterError(f"{self.what} must be {self.rule()}, not {value!r}.")

    def accepts(self, value: object) -> bool:
        if (self.optional and value is None) or (self.auto and value == AUTO):
            return True
        choices = self.allowed()
        if choices is not None:
            return value in choices
        if self.kind is bool:
            return isinstance(value, bool)
        numeric = {int: numbers.Integral, float: numbers.Real}.get(self.kind)
        if isinstance(value, bool) or not isinstance(value, numeric or self.kind):
            return False
        if self.kind in (int, float):
            number = float(value)  # type: ignore[arg-type]
            return (self.low is None or number >= self.low) and (self.high is None or number <= self.high)
        return True


def _range(low: float | None, high: float | None, word: str) -> str:
    if low is not None and high is not None:
        return f" {word} {_num(low)} to {_num(high)}" if word == "from" else f" {word} {_num(low)} and {_num(high)}"
    if low is not None:
        return f" of at least {_num(low)}"
    if high is not None:
        return f" of at most {_num(high)}"
    return ""


def _num(value: float) -> str:
    return f"{value:,}" if float(value) != int(value) else f"{int(value):,}"


def param(default: Any, **declaration: Any) -> Any:
    """A dataclass field with its declaration (:class:`Param`'s arguments)."""
    return field(default=default, metadata={"param": Param(**declaration)})


def declared(cls_or_instance: object) -> dict[str, Param]:
    """The declared parameters of a parameter dataclass, by field name, in field order."""
    return {f.name: f.metadata["param"] for f in fields(cls_or_instance) if "param" in f.metadata}  # type: ignore[arg-type]


def check_fields(instance: object) -> None:
    """Check every declared field of ``instance``; the first bad one raises :class:`ParameterError`."""
    for name, declaration in declared(instance).items():
        declaration.check(getattr(instance, name))
