"""Three planted customer groups with known traits and noise columns, for explanations and lookalikes.

The generative story (one seeded ``numpy`` generator, so a seed fixes it all):

* **Groups.** ``n_per_group`` customers in each of three groups: 0 "petite seniors", 1 "dress
  lovers", 2 "young denim". Each group has three **planted traits**: an ``age`` (normal around
  58, 48 and 24, sd 3), a ``department`` (Petite, Dresses or Jeans with probability 0.85, else
  one of the other two) and the words of its ``review`` (five of the ten words of the group's
  vocabulary and three filler words everyone uses). Groups 0 and 1 are each other's **nearest
  group** by design: their ages are 10 years apart and their vocabularies share four words, while
  group 2 is 24 years younger than group 1 and shares no word with either. So the planted runner-up
  of group 0 is 1 and of group 1 is 0 (group 2's is not planted: both are far).
* **Noise.** Four columns carry no group signal: ``tenure`` and ``visits`` (numbers drawn the same
  way for everyone) and ``channel`` and ``region`` (categories drawn uniformly).
* **Between.** ``n_between`` extra customers sit between groups 0 and 1: age uniform between the
  two groups' ages, department 0's or 1's at random, and review words drawn from both
  vocabularies together, so their margins should be smaller than the groups' own members'.

``truth`` holds each customer's group (3 for the customers between 0 and 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

GROUP_AGES = (58.0, 48.0, 24.0)
DEPARTMENTS = ("Petite", "Dresses", "Jeans")
_SHARED = ["flattering", "elegant", "lining", "classic"]  # in both group 0's and group 1's vocabularies
VOCABULARY = (
    ["petite", "short", "hem", "tiny", "xs", "tailored", *_SHARED],
    ["dress", "summer", "flowy", "wedding", "sundress", "floral", *_SHARED],
    ["jeans", "denim", "waist", "stretchy", "pockets", "skinny", "rise", "wash", "hips", "distressed"],
)
_BOTH = sorted(set(VOCABULARY[0]) | set(VOCABULARY[1]))
FILLER = ["great", "nice", "love", "really", "good", "bought", "wear", "happy"]
PLANTED_TRAITS = ("age", "department", "review")
NOISE_COLUMNS = ("tenure", "visits", "channel", "region")
NEAREST_GROUP = {0: 1, 1: 0}
BETWEEN = 3  # the truth of the customers generated between groups 0 and 1


@dataclass
class PlantedGroups:
    """The customers table as an analyst would upload it, and what was planted in it."""

    frame: pd.DataFrame  # customer_id, age, tenure, visits, department, channel, region, review
    truth: np.ndarray  # group of each row (0, 1, 2; BETWEEN for the customers between 0 and 1)


def _review(rng: np.random.Generator, words: list[str]) -> str:
    chosen = rng.choice(words, 5, replace=False).tolist() + rng.choice(FILLER, 3, replace=False).tolist()
    rng.shuffle(chosen)
    return " ".join(chosen)


def planted_groups(n_per_group: int = 200, n_between: int = 30, seed: int = 0) -> PlantedGroups:
    """Generate the three groups (and the customers between groups 0 and 1) as the module docstring tells."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for g in range(3):
        for i in range(n_per_group):
            department = DEPARTMENTS[g] if rng.random() < 0.85 else str(rng.choice([d for d in DEPARTMENTS
                                                                                   if d != DEPARTMENTS[g]]))
            rows.append({"customer_id": f"g{g}-{i:04d}", "age": rng.normal(GROUP_AGES[g], 3.0),
                         "department": department, "review": _review(rng, VOCABULARY[g])})
            truth.append(g)
    for i in range(n_between):
        rows.append({"customer_id": f"between-{i:04d}", "age": rng.uniform(GROUP_AGES[1], GROUP_AGES[0]),
                     "department": DEPARTMENTS[int(rng.integers(0, 2))], "review": _review(rng, _BOTH)})
        truth.append(BETWEEN)
    frame = pd.DataFrame(rows)
    n = len(frame)
    frame["age"] = frame["age"].round().astype(int)
    frame["tenure"] = rng.integers(1, 60, n)
    frame["visits"] = rng.poisson(8, n)
    frame["channel"] = rng.choice(["web", "app", "store"], n)
    frame["region"] = rng.choice(["north", "south", "east", "west"], n)
    frame = frame[["customer_id", "age", "tenure", "visits", "department", "channel", "region", "review"]]
    order = rng.permutation(n)
    return PlantedGroups(frame.iloc[order].reset_index(drop=True), np.asarray(truth)[order])
