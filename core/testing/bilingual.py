"""Planted bilingual reviews: the same short reviews in English and in Chinese (translations), on a few topics.

Half the customers of each topic write Chinese and half English, so a segmentation by topic scores high
against ``topic`` and one by language scores near zero against it. Each review joins two sentences of its
topic, drawn with a seeded generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: topic → (English, Chinese) sentence pairs, each Chinese sentence a translation of its English one
TOPICS: dict[str, list[tuple[str, str]]] = {
    "delivery": [
        ("The parcel arrived two days early.", "包裹提前两天就到了。"),
        ("Delivery was fast and the courier was polite.", "物流很快，快递员很有礼貌。"),
        ("The package took three weeks to arrive.", "包裹过了三个星期才到。"),
        ("The box was crushed during shipping.", "箱子在运输途中被压坏了。"),
        ("Tracking was never updated after dispatch.", "发货后物流信息一直没有更新。"),
        ("Shipping was free and quick.", "包邮，而且发货很快。"),
        ("The courier left the parcel at the wrong door.", "快递员把包裹放错了门口。"),
        ("It was delivered the next morning.", "第二天早上就送到了。"),
    ],
    "size": [
        ("The dress runs small, order one size up.", "这条裙子偏小，建议买大一码。"),
        ("The trousers are too long for me.", "这条裤子对我来说太长了。"),
        ("It fits perfectly at the waist.", "腰部非常合身。"),
        ("The sleeves are too tight.", "袖子太紧了。"),
        ("I am petite and the medium was huge.", "我个子小，中码穿着特别大。"),
        ("The size chart is accurate.", "尺码表很准确。"),
        ("The shoulders are too wide.", "肩膀太宽了。"),
        ("I had to exchange it for a larger size.", "我只好换了一个大一号的。"),
    ],
    "fabric": [
        ("The fabric is soft and thick.", "面料柔软又厚实。"),
        ("The cotton feels cheap and thin.", "棉布摸起来很廉价，很薄。"),
        ("The colour faded after one wash.", "洗了一次就褪色了。"),
        ("The material is itchy against the skin.", "这个材料贴着皮肤很扎。"),
        ("The stitching came apart within a week.", "不到一个星期线就开了。"),
        ("The wool is warm and does not pill.", "羊毛很暖和，也不起球。"),
        ("The seams are neat and strong.", "接缝整齐又结实。"),
        ("The linen wrinkles very easily.", "亚麻布特别容易起皱。"),
    ],
    "service": [
        ("Customer service answered my question quickly.", "客服很快就回答了我的问题。"),
        ("The refund took over a month.", "退款花了一个多月。"),
        ("The seller ignored my messages.", "卖家不回我的消息。"),
        ("The staff were friendly and helpful.", "客服态度友好，很热情。"),
        ("Returning the item was easy.", "退货很方便。"),
        ("They refused to accept my return.", "他们拒绝了我的退货申请。"),
        ("The support agent apologised and sent a coupon.", "客服道了歉，还送了一张优惠券。"),
        ("I waited on hold for an hour.", "我在电话里等了一个小时。"),
    ],
}


def bilingual_reviews(per_topic_language: int = 30, seed: int = 0) -> pd.DataFrame:
    """Customers (``id``, ``review``, ``topic``, ``language``): ``per_topic_language`` per topic and language."""
    rng = np.random.default_rng(seed)
    rows = []
    for topic, pairs in TOPICS.items():
        for language, column in (("en", 0), ("zh", 1)):
            for i in range(per_topic_language):
                first, second = rng.choice(len(pairs), 2, replace=False)
                joiner = " " if language == "en" else ""
                review = joiner.join((pairs[first][column], pairs[second][column]))
                rows.append({"id": f"{topic}-{language}-{i}", "review": review, "topic": topic, "language": language})
    return pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)
