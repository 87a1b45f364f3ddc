"""The bundled demo data set (CC0 clothing reviews, see data/demo/SOURCE.md)."""

from __future__ import annotations

from pathlib import Path

DEMO_PATH = Path(__file__).resolve().parents[2] / "data" / "demo" / "womens_clothing_reviews_3k.csv"
DEMO_TEXT_COLUMN = "Review Text"
DEMO_ATTRIBUTION = (
    "Women's E-Commerce Clothing Reviews by Nick Brooks (Kaggle, 2018), CC0 1.0 — a 3,000-review sample."
)

#: the second demo: a synthetic shop with purchases (scripts/make_shop_demo.py, data/shop/SOURCE.md)
SHOP_DIR = Path(__file__).resolve().parents[2] / "data" / "shop"
SHOP_CUSTOMERS = SHOP_DIR / "customers.csv"
SHOP_PRODUCTS = SHOP_DIR / "products.csv"
SHOP_PURCHASES = SHOP_DIR / "purchases.csv"
#: the names the app gives the shop demo's tables (the Recommendations page labels runs on them as synthetic)
SHOP_NAMES = {"customers": "synthetic-shop-customers.csv", "interactions": "synthetic-shop-purchases.csv",
              "items": "synthetic-shop-products.csv"}
#: the purchases' columns, as the Data page would choose them
SHOP_COLUMNS = {"user_col": "customer_id", "item_col": "item_id", "value_col": "amount", "time_col": "timestamp",
                "time_unit": "auto"}
SHOP_ATTRIBUTION = ("Synthetic shop: 800 generated customers, 400 products and their purchases with planted tastes — "
                    "not real people (data/shop/SOURCE.md).")
