"""The demo data's random source: Python's seeded Mersenne Twister with cheaper helpers.

random.Random.randrange costs several Python calls; one random() scaled to the range is
about four times faster and just as reproducible, which matters for a million vehicles.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class Rng(random.Random):
    def below(self, n: int) -> int:
        """0 <= value < n."""
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """low <= value <= high."""
        return low + int(self.random() * (high - low + 1))

    def one(self, options: Sequence[T]) -> T:
        return options[int(self.random() * len(options))]


class Picker(Generic[T]):
    """Weighted choice with one random() call (random.choices rebuilds its table every call)."""

    def __init__(self, weighted: Sequence[tuple[T, float]]) -> None:
        self.items = [item for item, _ in weighted]
        self.cumulative = list(itertools.accumulate(weight for _, weight in weighted))

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]
