"""Two periods of customers with planted changes, for testing and benchmarking ``refresh``.

The generative story (one seeded ``numpy`` generator decides everything):

* **Groups.** A (older petite shoppers), B (dress lovers), C (young denim buyers) and, in period 2
  only, D (beach-holiday buyers). A customer of a group writes a review of five of the group's words
  and three filler words, has an age and a spend around the group's own (sd 3 years, sd $10) and
  shops in the group's department (90 %; else Tops).
* **Period 1.** ``n_per_group`` customers in each of A, B, C.
* **Period 2.** Each period-1 customer leaves with probability ``leave``; a share ``move`` of the
  A customers who stay now behave like B (all their columns drawn from B); every other stayer
  is drawn again from their own group (a new review, age and spend), except that C now spends
  ``c_spend_rise`` times as much (a drift inside a segment that keeps its members). ``n_join`` new customers
  join A, B and C (evenly), and ``n_new`` customers of the new group D appear.

``truth`` says, for every period-2 customer, its group now and what happened: ``stayed``, ``moved``,
``joined`` or ``new`` (a member of D).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

GROUPS = {
    "A": (
        ["petite", "small", "short", "length", "hem", "tiny", "xs", "fits", "ordered", "tailored"],
        62, 100, "Tops"),
    "B": (
        ["dress", "summer", "flowy", "light", "wedding", "gorgeous", "fabric", "colours", "floral", "sundress"],
        40, 300, "Dresses"),
    "C": (
        ["jeans", "denim", "waist", "stretchy", "hips", "pockets", "rise", "comfortable", "skinny", "wash"],
        24, 150, "Jeans"),
    "D": (
        ["beach", "swimsuit", "bikini", "holiday", "sandals", "pool", "resort", "sunhat", "coverup", "tan"],
        33, 520, "Swim"),
}
FILLER = ["great", "nice", "ok", "love", "like", "really", "very", "good", "bought", "wear"]


@dataclass
class Periods:
    """The two tables as an analyst would upload them, and what happened to each period-2 customer."""

    first: pd.DataFrame  # customer_id, age, spend, department, review
    second: pd.DataFrame
    truth: pd.DataFrame  # customer_id, group (now), event: stayed, moved, joined, new


def _customer(rng: np.random.Generator, customer_id: str, group: str, spend_factor: float = 1.0) -> dict:
    words, age, spend, department = GROUPS[group]
    text = " ".join(rng.choice(words, 5, replace=False).tolist() + rng.choice(FILLER, 3).tolist())
    return {"customer_id": customer_id, "age": round(float(rng.normal(age, 3)), 1),
            "spend": f"${rng.normal(spend * spend_factor, 10):,.2f}",
            "department": department if rng.random() < 0.9 else "Tops", "review": text}


def two_periods(n_per_group: int = 60, leave: float = 0.15, move: float = 0.3, n_join: int = 30, n_new: int = 60,
                c_spend_rise: float = 1.3, seed: int = 0) -> Periods:
    """Generate both periods as described in the module docstring."""
    rng = np.random.default_rng(seed)
    first_groups = {f"p{g}{i:04d}": g for g in "ABC" for i in range(n_per_group)}
    first = [_customer(rng, cid, g) for cid, g in first_groups.items()]
    second, truth = [], []
    for cid, group in first_groups.items():
        if rng.random() < leave:
            continue
        moved = group == "A" and rng.random() < move
        now = "B" if moved else group
        second.append(_customer(rng, cid, now, c_spend_rise if now == "C" else 1.0))
        truth.append((cid, now, "moved" if moved else "stayed"))
    for j in range(n_join):
        group = "ABC"[j % 3]
        second.append(_customer(rng, f"j{group}{j:04d}", group, c_spend_rise if group == "C" else 1.0))
        truth.append((second[-1]["customer_id"], group, "joined"))
    for j in range(n_new):
        second.append(_customer(rng, f"nD{j:04d}", "D"))
        truth.append((second[-1]["customer_id"], "D", "new"))
    order = rng.permutation(len(second))
    return Periods(pd.DataFrame(first).sample(frac=1, random_state=seed).reset_index(drop=True),
                   pd.DataFrame(second).iloc[order].reset_index(drop=True),
                   pd.DataFrame(truth, columns=["customer_id", "group", "event"]).iloc[order].reset_index(drop=True))
