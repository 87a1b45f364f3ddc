"""A text's snippet with the matched words marked ``**like this**``."""

from __future__ import annotations

from core.search.tokens import term_spans

WIDTH = 160  # characters of text in a snippet
LEAD = 30  # characters kept before the first match


def snippet(text: str, highlight: set[str], width: int = WIDTH) -> str:
    """Up to ``width`` characters of ``text`` from shortly before its first matched word, every word whose search
    term is in ``highlight`` (the query's words, their close forms and its feedback words) marked ``**…**``."""
    text = " ".join((text or "").split())
    marked = [(start, end) for found, start, end in term_spans(text) if found in highlight]
    begin = max(0, marked[0][0] - LEAD) if marked and marked[0][1] > width else 0
    end = min(len(text), begin + width)
    out, cursor = [], begin
    for start, stop in marked:
        if start < begin or stop > end:
            continue
        out += [text[cursor:start], "**", text[start:stop], "**"]
        cursor = stop
    out.append(text[cursor:end])
    return ("…" if begin else "") + "".join(out) + ("…" if end < len(text) else "")
