"""Three planted groups of two sub-groups each, numbers only, for segments within segments.

One seeded ``numpy`` generator fixes it all. Group ``g`` (0, 1, 2) sits far from the others on its own axis
(``spend``, ``visits`` or ``tenure`` 12 standard deviations above the rest); inside it, sub-group ``2g`` and
``2g + 1`` differ on ``age`` by 6 standard deviations (younger or older than the group's age), much less than the
groups differ from each other, so the groups are the coarse level and the sub-groups the fine one. ``noise`` is drawn
the same way for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

AXES = ("spend", "visits", "tenure")
GROUP_GAP = 12.0  # how far a group sits out on its own axis, in standard deviations
SUBGROUP_GAP = 6.0  # how far apart a group's two sub-groups are on age, in standard deviations


@dataclass
class PlantedLevels:
    """The customers table and what was planted in it."""

    frame: pd.DataFrame  # customer_id, spend, visits, tenure, age, noise
    group: np.ndarray  # 0, 1, 2 per row
    subgroup: np.ndarray  # 0…5 per row; sub-groups 2g and 2g + 1 are inside group g


def planted_levels(n_per_subgroup: int = 60, seed: int = 0) -> PlantedLevels:
    """Generate the three groups of two sub-groups as the module docstring tells, rows shuffled."""
    rng = np.random.default_rng(seed)
    n = 6 * n_per_subgroup
    subgroup = np.repeat(np.arange(6), n_per_subgroup)
    group = subgroup // 2
    values = rng.normal(0.0, 1.0, size=(n, len(AXES)))
    values[np.arange(n), group] += GROUP_GAP
    age = rng.normal(0.0, 1.0, n) + np.where(subgroup % 2 == 0, -SUBGROUP_GAP / 2, SUBGROUP_GAP / 2)
    frame = pd.DataFrame({"customer_id": [f"s{s}-{i:04d}" for i, s in enumerate(subgroup)]})
    for j, axis in enumerate(AXES):
        frame[axis] = np.round(50 + 5 * values[:, j], 2)
    frame["age"] = np.round(40 + 3 * age, 1)
    frame["noise"] = np.round(rng.normal(0.0, 1.0, n), 3)
    order = rng.permutation(n)
    return PlantedLevels(frame.iloc[order].reset_index(drop=True), group[order], subgroup[order])
