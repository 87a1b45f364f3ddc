"""Chinese words for distinctive terms and names: jieba's word segmentation (its bundled dictionary, nothing
downloaded), without stop words and single characters; two-word phrases of adjacent content words.

Japanese and Korean are not segmented here (jieba reads Chinese only); profiles keep character n-grams
for them (``core.explain.terms.cjk_terms``).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_HAN_WORD = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{2,}$")

#: function words, pronouns, degree words and review filler that say nothing about a segment
CHINESE_STOP_WORDS = frozenset([
    "的", "了", "是", "我", "你", "他", "她", "它", "们", "这", "那", "在",
    "和", "也", "都", "就", "很", "吗", "呢", "吧", "啊", "着", "过", "被",
    "把", "给", "与", "及", "或", "而", "个", "有", "没", "不", "又", "还",
    "太", "更", "最", "我们", "你们", "他们", "她们", "它们", "自己", "这个", "那个",
    "这些", "那些", "这样", "那样", "这么", "那么", "什么", "怎么", "为什么", "哪里",
    "这里", "那里", "一个", "一些", "一样", "一下", "一点", "有点", "有些", "没有",
    "不是", "就是", "还是", "但是", "可是", "不过", "因为", "所以", "如果", "虽然",
    "而且", "然后", "并且", "或者", "以及", "其实", "而是", "只是", "只有", "已经",
    "非常", "特别", "比较", "真的", "真是", "实在", "十分", "挺", "相当", "确实",
    "感觉", "觉得", "认为", "知道", "可以", "可能", "应该", "需要", "能够", "还有",
    "其他", "所有", "每个", "时候", "东西", "问题", "方面", "大家", "今天", "现在",
    "之前", "之后", "以后", "以前", "后来", "一直", "一次", "一起", "一定", "再",
    "才", "刚", "就要", "这次", "下次", "一般", "来说", "起来",
])


def is_chinese(texts: list[str], sample: int = 2000) -> bool:
    """Whether the texts are mostly Chinese: most letters are Han characters and few are Japanese kana or
    Korean hangul (whose texts also use Han characters)."""
    joined = "".join(texts[:sample])
    han, kana_hangul = len(_HAN.findall(joined)), len(_KANA_HANGUL.findall(joined))
    letters = len(re.findall(r"[^\W\d_]", joined))
    return bool(letters) and han / letters > 0.3 and kana_hangul < 0.1 * (han + kana_hangul)


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # it announces building its prefix dictionary on stderr
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def chinese_terms(text: str) -> set[str]:
    """jieba's Chinese content words of ``text`` (two characters or more, no stop words; other scripts are
    left to the caller) and phrases of two adjacent content words, with a space between them ("物流 很快")."""
    words = [w for w in (t.strip() for t in _tokenizer().lcut(text)) if w]
    out: set[str] = set()
    previous = None
    for word in words:
        keep = bool(_HAN_WORD.match(word)) and word not in CHINESE_STOP_WORDS
        if keep:
            out.add(word)
            if previous is not None:
                out.add(f"{previous} {word}")
        previous = word if keep else None
    return out


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """jieba's words of ``text`` with their start and end offsets: every word, stop words, punctuation and
    other scripts included (search indexes and highlights them)."""
    return [(word, start, end) for word, start, end in _tokenizer().tokenize(text)]
