"""Write the synthetic shop demo (data/shop/): customers, products and purchases with planted segment tastes.

    .venv/bin/python scripts/make_shop_demo.py

Everything comes from ``core.testing.synthetic.generate`` with a fixed seed (its module docstring tells
the generative story); categories get shop-like names and the purchase times are written as Unix
seconds, as event logs store them. The files are committed; the app never generates them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.ingest.demo import SHOP_DIR
from core.testing.synthetic import generate

CATEGORIES = ["Running shoes", "Rain jackets", "Yoga mats", "Camping stoves", "Climbing ropes", "Swim goggles",
              "Cycling helmets", "Ski gloves", "Tennis rackets", "Hiking socks", "Fishing reels", "Trail backpacks"]


def main() -> None:
    data = generate(n_users=800, n_items=400, n_segments=4, n_categories=len(CATEGORIES), categories_per_segment=3,
                    mean_interactions=12, seed=7)
    names = {f"cat {i}": name for i, name in enumerate(CATEGORIES)}
    items = data.items.copy()
    items["category"] = items["category"].map(lambda cell: "|".join(names[c] for c in cell.split("|")))
    first = items["category"].str.split("|").str[0]
    items["name"] = first.str.rstrip("s") + " " + items["item_id"].str[1:].str.lstrip("0").replace("", "0")
    events = data.interactions.copy()
    events["timestamp"] = (events.pop("time").astype("datetime64[s]").astype(np.int64)).astype(str)
    SHOP_DIR.mkdir(parents=True, exist_ok=True)
    data.users.to_csv(SHOP_DIR / "customers.csv", index=False)
    items.to_csv(SHOP_DIR / "products.csv", index=False)
    events.to_csv(SHOP_DIR / "purchases.csv", index=False)
    print(f"{len(data.users):,} customers, {len(items):,} products, {len(events):,} purchases in {SHOP_DIR}")


if __name__ == "__main__":
    main()
