"""Synthetic customers, items and interactions with planted segment preferences, for tests and benchmarks.

The generative story (every draw comes from one seeded ``numpy`` generator, so a seed fixes it all):

* **Items.** ``n_items`` items, each in one of ``n_categories`` categories; a share
  ``multi_category`` of them carry a second category too (written ``"cat 3|cat 7"``). Each has a
  price and a power-law popularity: the item at popularity rank r (ranks shuffled over the
  catalogue) has weight r ** -zipf, so a few blockbusters dominate and most items are rare.
* **Segments.** ``n_segments`` planted segments, each preferring ``categories_per_segment``
  categories of its own (disjoint as long as there are enough categories). Users are spread
  evenly over the segments (``truth`` holds each user's planted segment).
* **Users.** An id, an age and a region that lean by segment (a weak signal in the users table,
  no text), and one or two favourite categories drawn from their segment's preferred ones.
* **Interactions.** A user makes 1 + Poisson(``mean_interactions`` − 1) choices. Each choice is,
  with probability ``affinity``, an item from the user's favourite categories (popularity-weighted
  within them), else an item from the whole catalogue by popularity (the noise). A user's repeat
  choices of an item are kept as repeat events. Every event has a timestamp (uniform over 2025)
  and an amount (price × a quantity of 1 to 3).

So the per-segment lists should recover each segment's preferred categories, item-to-item
similarity from a user's own history should find their favourite categories, and global
popularity can do neither.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import ParameterError


@dataclass
class SyntheticData:
    """Three tables as an analyst would upload them, plus the planted truth."""

    users: pd.DataFrame  # customer_id, age, region
    items: pd.DataFrame  # item_id, name, category, price
    interactions: pd.DataFrame  # customer_id, item_id, amount, time
    truth: np.ndarray  # planted segment of each user, in the users' order
    segment_categories: dict[int, list[str]]  # planted segment -> its preferred categories


def generate(
    n_users: int = 3000,
    n_items: int = 3000,
    n_segments: int = 6,
    n_categories: int = 24,
    categories_per_segment: int = 3,
    mean_interactions: float = 20.0,
    affinity: float = 0.7,
    zipf: float = 1.0,
    multi_category: float = 0.1,
    seed: int = 0,
) -> SyntheticData:
    """Generate users, items and interactions as described in the module docstring."""
    if n_users < n_segments or n_items < n_categories or n_segments < 1 or n_categories < 1:
        raise ParameterError("Need at least one user per segment and one item per category.")
    if not 0 <= affinity <= 1 or mean_interactions < 1:
        raise ParameterError("affinity is a probability and mean_interactions at least 1.")
    rng = np.random.default_rng(seed)
    categories = [f"cat {c}" for c in range(n_categories)]
    item_cat = np.concatenate([np.arange(n_categories), rng.integers(0, n_categories, n_items - n_categories)])
    rng.shuffle(item_cat)
    popularity = np.arange(1, n_items + 1, dtype=float) ** -zipf
    rng.shuffle(popularity)
    second = rng.integers(0, n_categories, n_items)
    labels = [
        f"{categories[c]}|{categories[s]}" if rng.random() < multi_category and s != c else categories[c]
        for c, s in zip(item_cat, second)
    ]
    items = pd.DataFrame({
        "item_id": [f"i{j:05d}" for j in range(n_items)],
        "name": [f"Item {j} ({categories[c]})" for j, c in enumerate(item_cat)],
        "category": labels,
        "price": np.round(rng.lognormal(3.0, 0.6, n_items), 2),
    })

    order = rng.permutation(n_categories)
    seg_cats = {s: [int(order[(s * categories_per_segment + i) % n_categories]) for i in range(categories_per_segment)]
                for s in range(n_segments)}
    truth = np.arange(n_users) % n_segments
    rng.shuffle(truth)
    users = pd.DataFrame({
        "customer_id": [f"u{u:05d}" for u in range(n_users)],
        "age": np.round(rng.normal(25 + 6 * truth, 8)).clip(18, 90).astype(int),
        "region": [f"region {r}" for r in np.where(rng.random(n_users) < 0.5, truth % 4, rng.integers(0, 4, n_users))],
    })

    by_cat = [np.flatnonzero(item_cat == c) for c in range(n_categories)]
    global_p = popularity / popularity.sum()
    counts = 1 + rng.poisson(mean_interactions - 1, n_users)
    rows_user, rows_item = [], []
    for u in range(n_users):
        favourites = rng.choice(seg_cats[int(truth[u])], size=rng.integers(1, 3), replace=False)
        pool = np.concatenate([by_cat[c] for c in favourites])
        pool_p = popularity[pool] / popularity[pool].sum()
        planted = rng.random(counts[u]) < affinity
        chosen = np.empty(counts[u], dtype=int)
        chosen[planted] = rng.choice(pool, size=int(planted.sum()), p=pool_p)
        chosen[~planted] = rng.choice(n_items, size=int((~planted).sum()), p=global_p)
        rows_user.append(np.full(counts[u], u))
        rows_item.append(chosen)
    user_idx, item_idx = np.concatenate(rows_user), np.concatenate(rows_item)
    start = np.datetime64("2025-01-01T00:00:00")
    seconds = rng.integers(0, 365 * 86400, len(user_idx))
    interactions = pd.DataFrame({
        "customer_id": users["customer_id"].to_numpy()[user_idx],
        "item_id": items["item_id"].to_numpy()[item_idx],
        "amount": np.round(items["price"].to_numpy()[item_idx] * rng.integers(1, 4, len(user_idx)), 2),
        "time": (start + seconds.astype("timedelta64[s]")).astype(str),
    })
    return SyntheticData(users, items, interactions, truth,
                         {s: [categories[c] for c in cats] for s, cats in seg_cats.items()})
