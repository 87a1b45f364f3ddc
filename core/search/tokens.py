"""Search terms: English (and other Latin, Cyrillic … script) words lowercased and cut to a crude stem, so
"runs", "running" and "run" are one term; Chinese words by jieba. Stop words are dropped. Every term keeps its
offsets in the text, for highlighting."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from core.explain.chinese_words import CHINESE_STOP_WORDS, word_spans
from core.ingest.language import ENGLISH_FUNCTION_WORDS

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W\d_]+)?")
_SUFFIXES = (("sses", "ss"), ("ies", "y"), ("ing", ""), ("edly", ""), ("ed", ""), ("ly", ""), ("es", ""), ("s", ""))
_SIBILANT_ES = ("sses", "xes", "zes", "ches", "shes")
STOP_WORDS = ENGLISH_FUNCTION_WORDS | CHINESE_STOP_WORDS | frozenset(
    ["a", "an", "is", "was", "in", "on", "so", "as", "by", "me", "he", "her", "his", "do", "did", "does", "who",
     "how", "about", "which", "customers", "customer", "people", "write", "writes", "say", "says"])
#: scripts the embedders read (the multilingual one reads 16 languages in these); other letters are refused
READABLE_SCRIPTS = frozenset(["LATIN", "CJK", "HIRAGANA", "KATAKANA", "HANGUL", "ARABIC", "THAI", "CYRILLIC"])


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A crude English stem (plural, -ing, -ed, -ly and a final e cut; a doubled final consonant undoubled), so
    close forms of a word share one term; words of other scripts are returned as they are."""
    if len(word) <= 3 or not word.isascii() or not word.isalpha():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "es" and not word.endswith(_SIBILANT_ES):
                continue
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: len(word) - len(suffix)] + replacement
            if suffix in ("ing", "ed", "edly") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def term(word: str) -> str | None:
    """The search term of one word (lowercased, stemmed), or None for a stop word, punctuation or a lone letter."""
    word = word.strip().lower().replace("\u2019", "'")
    if not word or word in STOP_WORDS or not any(c.isalnum() for c in word):
        return None
    if len(word) == 1 and not _HAN.match(word):
        return None
    return stem(word)


def term_spans(text: str) -> list[tuple[str, int, int]]:
    """The search terms of ``text`` with their (start, end) offsets: jieba words where the text has Han
    characters, else words of letters and digits."""
    if _HAN.search(text):
        pieces = word_spans(text)
    else:
        pieces = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
    out = []
    for word, start, end in pieces:
        found = term(word)
        if found is not None:
            out.append((found, start, end))
    return out


def terms(text: str) -> list[str]:
    """The search terms of ``text`` in order (repeats kept)."""
    if _HAN.search(text):
        return [t for t, _, _ in term_spans(text)]
    return [found for m in _WORD.finditer(text) if (found := term(m.group())) is not None]


def unread_script(text: str) -> str | None:
    """The name of the first script in ``text`` that no embedder reads (e.g. "DEVANAGARI"), or None."""
    for char in text:
        if char.isalpha():
            script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
            if script not in READABLE_SCRIPTS:
                return script
    return None


def has_han(text: str) -> bool:
    """Whether ``text`` holds Chinese characters."""
    return bool(_HAN.search(text))
