"""Which scripts and languages a column of text is written in.

English is told from other languages by a script and function-word test rather than a language-detection
library: the one question asked is "is this English?", English prose is 30–50% function words ("the",
"and", "it", "this" …), and the list below leaves out words that are also common in French, German,
Spanish, Italian or Dutch ("a", "i", "in", "is", "was", "so", "will", "on", "no", "die"). A Latin-script
text without English function words is called another language only on evidence of one (an accented
letter, or a function word of French, German, Spanish, Italian, Dutch, Portuguese or Indonesian); without
it ("blue denim jacket slim fit", product titles, tags) it cannot be told, so keyword tables keep the
English model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

CJK_CHARACTER = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"  # kana, hanzi, hangul
_CJK = re.compile(CJK_CHARACTER)
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[a-zA-Z]")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the", "and", "it", "it's", "its", "this", "that", "these", "those", "to", "of", "for", "with", "my", "you",
        "your", "but", "not", "very", "have", "has", "had", "be", "been", "they", "she", "we", "our", "their",
        "them", "at", "would", "could", "should", "just", "too", "what", "from", "or", "if", "all", "about", "out",
        "up", "were", "are", "because", "really", "there", "than", "which", "when", "after", "only", "i'm", "don't",
        "didn't", "can't", "doesn't", "wasn't",
    ]
)
#: common function words of other Latin-script languages that are not also English words or tokens ("de",
#: "die", "me", "per", "van", "com", "con" and the like are left out); one of them, or an accented letter,
#: marks a text without English function words as another language
OTHER_FUNCTION_WORDS = frozenset(
    [
        "le", "la", "les", "des", "est", "et", "une", "du", "pas", "je", "pour", "avec", "dans", "mais", "trop",
        "der", "das", "und", "ist", "nicht", "ich", "sehr", "ein", "eine", "mit", "auf", "aber", "auch", "zu",
        "el", "los", "las", "es", "muy", "una", "del", "que", "por", "para", "pero", "y",
        "il", "che", "di", "sono", "molto", "della", "het", "een", "niet", "zeer", "ik", "heel",
        "uma", "muito", "yang", "ini", "sangat", "tidak", "untuk",
    ]
)
_ACCENTED = re.compile(r"(?=[^\W\d_])[\u00c0-\u024f]")  # Latin letters with diacritics (é, ü, ñ, ß, ø, ł …)
MIN_WORDS = 3  # a shorter Latin-script text ("Love it", "Très bien") is not counted either way
MIN_FUNCTION_SHARE = 0.12  # English reviews measure 0.3–0.5; French, German, Spanish below 0.05


def cjk_share(texts: Sequence[str], sample: int = 2000) -> float:
    """Share of letters that are Chinese, Japanese or Korean characters, on a sample of texts."""
    joined = "".join(list(texts)[:sample])
    letters = len(_LETTER.findall(joined))
    return len(_CJK.findall(joined)) / letters if letters else 0.0


def is_english(text: str) -> bool | None:
    """True for English, False for another language, None when it cannot be told (no letters, a
    Latin-script text of fewer than :data:`MIN_WORDS` words, or one with neither English function words
    nor a sign of another language, such as a list of keywords)."""
    letters = _LETTER.findall(text or "")
    if not letters:
        return None
    if len(_LATIN.findall(text)) < 0.5 * len(letters):  # mostly Chinese, Cyrillic, Arabic, accented … letters
        return False
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    if len(words) < MIN_WORDS:
        return None
    if sum(w in ENGLISH_FUNCTION_WORDS for w in words) / len(words) >= MIN_FUNCTION_SHARE:
        return True
    if _ACCENTED.search(text) or any(w in OTHER_FUNCTION_WORDS for w in words):
        return False
    return None


@dataclass(frozen=True)
class LanguageMix:
    """How many of the sampled texts are English, in another language, or cannot be told."""

    english: int
    other: int
    unknown: int  # no letters (emoji, numbers, symbols) or too short to tell
    short: int = 0  # of the unknown: texts with letters but too few words to tell

    @property
    def english_share(self) -> float:
        """English among the texts whose language could be told (1.0 when none could)."""
        told = self.english + self.other
        return self.english / told if told else 1.0

    @property
    def has_words(self) -> bool:
        """Whether any text has letters (a short text counts; emoji, numbers and symbols do not)."""
        return self.english + self.other + self.short > 0


def language_mix(texts: Sequence[str], sample: int = 2000) -> LanguageMix:
    """English, other and unknown counts over an even sample of at most ``sample`` non-empty texts."""
    present = [t for t in texts if t and t.strip()]
    step = max(1, len(present) // sample)
    english = other = unknown = short = 0
    for text in present[::step][:sample]:
        verdict = is_english(text)
        if verdict is None:
            unknown += 1
            short += bool(_LETTER.search(text))
        elif verdict:
            english += 1
        else:
            other += 1
    return LanguageMix(english, other, unknown, short)
