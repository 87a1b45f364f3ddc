"""Form widgets built from declared parameters (:mod:`core.schema`): bounds, defaults, choices and help
come from the core's declarations, never typed here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from core.schema import Param

#: the step of a slider over a declared float range
FLOAT_STEP = 0.05


def declared_input(declaration: Param, default: Any, key: str, label: str | None = None,
                   format_func: Callable[[Any], str] = str, options: tuple[Any, ...] | None = None,
                   radio_max: int = 3) -> Any:
    """A widget for one declared parameter; returns the value in the parameter's own terms.

    Choices become a radio (up to ``radio_max``) or a select box; a whole number a number input (0 stands for
    "auto" or "default" where the parameter allows it, said in the label); a number a slider, or a number input
    where it may be left out (0 = not set); true/false a checkbox. ``options`` narrows the declared choices
    (e.g. the map's 2 or 3 dimensions).
    """
    label = label or declaration.name
    choices = options or declaration.allowed()
    if choices is not None:
        index = list(choices).index(default)
        if len(choices) <= radio_max:
            return st.radio(label, choices, index=index, format_func=format_func, horizontal=True, key=key,
                            help=declaration.help)
        return st.selectbox(label, choices, index=index, format_func=format_func, key=key, help=declaration.help)
    if declaration.kind is bool:
        return st.checkbox(label, value=bool(default), key=key, help=declaration.help)
    if declaration.kind is float and declaration.optional:  # a number that may be left out: 0 leaves it out
        maximum_float = float(declaration.high) if declaration.high is not None else None
        number = st.number_input(f"{label} (0 = not set)", 0.0, maximum_float, float(default or 0.0), key=key,
                                 help=declaration.help)
        return float(number) or None
    if declaration.kind is float:
        low, high = float(declaration.low or 0.0), float(declaration.high if declaration.high is not None else 1.0)
        return st.slider(label, low, high, float(default), FLOAT_STEP, key=key, help=declaration.help)
    if declaration.kind is int:
        zero = "choose automatically" if declaration.auto else "default" if declaration.optional else None
        minimum = 0 if zero else int(declaration.low or 0)
        maximum = int(declaration.high) if declaration.high is not None else None
        value = st.number_input(f"{label} (0 = {zero})" if zero else label, minimum, maximum,
                                default if isinstance(default, int) else 0, key=key, help=declaration.help)
        if zero and not value:
            return "auto" if declaration.auto else None
        return int(value)
    return st.text_input(label, value=str(default), key=key, help=declaration.help)
