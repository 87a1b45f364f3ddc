"""Planted Chinese product reviews in ten categories, for tests and benchmarks of Chinese segmentation.

Each review joins one sentence of its category with one or two sentences any shopper could write about any
product (price, delivery, service, "will buy again"), which blurs the categories as real reviews do. The
sentences were written for this project; every draw comes from one seeded generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CATEGORIES: dict[str, list[str]] = {
    "书籍": ["这本书的内容很精彩，一口气就读完了。", "作者的文笔很细腻，故事很感人。", "纸张质量不错，印刷也很清晰。",
           "书的封面有折痕，包装太简单了。", "这本小说值得反复阅读。", "翻译得很生硬，读起来很费劲。",
           "孩子很喜欢这套绘本，每天都要看。", "书里有好几页印刷错误。"],
    "平板": ["平板的屏幕很清晰，看视频很舒服。", "这台平板运行很流畅，玩游戏不卡。", "平板电池续航太短了，半天就没电。",
           "用平板上网课很方便。", "平板的重量很轻，拿着不累。", "平板充电特别慢，要充一个晚上。",
           "平板扬声器的音质很好。", "平板系统经常自动重启。"],
    "手机": ["手机拍照效果很好，夜景也很清楚。", "这款手机信号差，经常断网。", "手机电池很耐用，一天一充。",
           "手机发热严重，打电话都烫手。", "手机的指纹解锁很灵敏。", "手机屏幕容易刮花，要贴膜。",
           "手机通话音质清楚。", "这部手机的系统广告太多了。"],
    "水果": ["苹果很新鲜，又脆又甜。", "橙子水分很足，酸甜可口。", "收到的芒果有好几个烂了。",
           "葡萄个头很大，一点都不酸。", "香蕉还没熟，要放几天才能吃。", "西瓜很甜，家里人都爱吃。",
           "水果个头太小，和图片不一样。", "草莓有点坏了，闻起来不新鲜。"],
    "洗发水": ["这款洗发水味道很香，头发很顺滑。", "用了洗发水以后头皮屑少了很多。", "洗发水泡沫很丰富，很好冲洗。",
             "洗完头发还是很油，去油效果一般。", "洗发水用完头发很干，容易打结。", "这个洗发水对头皮很温和。",
             "洗发水的瓶子漏了，洒了一半。", "用了一个月，掉发少了。"],
    "热水器": ["热水器加热很快，洗澡水温很稳定。", "师傅上门安装热水器很专业。", "热水器用了一个月就漏水了。",
             "热水器很省电，温度显示也很清楚。", "热水器噪音有点大。", "安装热水器另外收了很多材料费。",
             "热水器出水量大，两个人洗澡也够用。", "热水器的遥控器不好用。"],
    "牛奶": ["牛奶口感醇厚，孩子每天早上喝。", "这箱牛奶的保质期太短了。", "牛奶味道很淡，像兑了水。",
           "早餐喝一杯牛奶，营养又方便。", "有几盒牛奶鼓包了，不敢喝。", "酸奶很浓稠，不会太甜。",
           "牛奶包装很结实，没有漏的。", "喝了这个牛奶肚子不舒服。"],
    "衣服": ["衣服的面料很舒服，穿着很透气。", "这件外套尺码偏小，建议买大一号。", "衣服洗了一次就缩水了。",
           "裙子的版型很好看，显瘦。", "衣服有线头，做工比较粗糙。", "毛衣很暖和，一点也不扎。",
           "裤子颜色和图片差别很大。", "衬衫穿上很合身，同事都说好看。"],
    "电脑": ["电脑开机很快，办公很流畅。", "笔记本键盘手感很好，打字舒服。", "电脑风扇声音太大，影响工作。",
           "笔记本散热不好，玩游戏很烫。", "电脑内存太小，开几个软件就卡。", "笔记本很轻薄，出差带着方便。",
           "电脑硬盘坏了，售后修了半个月。", "显卡性能很强，剪视频很快。"],
    "酒店": ["酒店房间很干净，床也很舒服。", "前台服务热情，办理入住很快。", "酒店隔音太差，晚上很吵。",
           "酒店早餐种类很多，味道不错。", "房间有一股霉味，卫生间很脏。", "酒店位置很好，离地铁站很近。",
           "酒店停车很不方便。", "从房间窗户可以看到海景。"],
}

#: each category's name in English (cross-lingual search queries)
ENGLISH_NAMES = {"书籍": "books", "平板": "tablet", "手机": "mobile phone", "水果": "fruit", "洗发水": "shampoo",
                 "热水器": "water heater", "牛奶": "milk", "衣服": "clothes", "电脑": "computer", "酒店": "hotel"}

GENERIC = ["价格很实惠，性价比高。", "物流很快，第二天就到了。", "总的来说还不错。", "下次还会再买。",
           "有点贵，等打折再买。", "客服态度很好。", "和描述的一样。", "给五星好评。", "快递太慢了，等了一个星期。",
           "质量一般般，对不起这个价格。", "包装很用心，送人也有面子。", "已经推荐给朋友了。", "第一次买，感觉还行。",
           "退换货很麻烦，客服一直不回复。", "活动价买的，很划算。", "东西收到了，还没开始用。"]


def chinese_reviews(per_category: int = 120, seed: int = 0, extra_generic: int = 0) -> pd.DataFrame:
    """Customers (``id``, ``review``, ``category``): ``per_category`` reviews in each of the ten categories
    (``extra_generic`` more shopper sentences per review make the category harder to tell)."""
    rng = np.random.default_rng(seed)
    rows = []
    for category, sentences in CATEGORIES.items():
        for i in range(per_category):
            parts = [GENERIC[j] for j in rng.choice(len(GENERIC), 1 + int(rng.random() < 0.5) + extra_generic,
                                                            replace=False)]
            parts.insert(int(rng.integers(0, len(parts) + 1)), sentences[int(rng.integers(len(sentences)))])
            rows.append({"id": f"{category}-{i}", "review": "".join(parts), "category": category})
    return pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)
