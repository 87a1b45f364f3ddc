"""The bundled demo data set (CC0 clothing reviews, see data/demo/SOURCE.md)."""

from __future__ import annotations

from pathlib import Path

DEMO_PATH = Path(__file__).resolve().parents[2] / "data" / "demo" / "womens_clothing_reviews_3k.csv"
DEMO_TEXT_COLUMN = "Review Text"
DEMO_ATTRIBUTION = (
    "Women's E-Commerce Clothing Reviews by Nick Brooks (Kaggle, 2018), CC0 1.0 — a 3,000-review sample."
)
