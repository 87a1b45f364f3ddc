"""Which scripts and languages a column of text is written in."""

from __future__ import annotations

import re
from collections.abc import Sequence

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


_LETTER = re.compile(r"[^\W\d_]")


def cjk_share(texts: Sequence[str], sample: int = 2000) -> float:
    """Share of letters that are Chinese, Japanese or Korean characters, on a sample of texts."""
    joined = "".join(list(texts)[:sample])
    letters = len(_LETTER.findall(joined))
    return len(_CJK.findall(joined)) / letters if letters else 0.0
