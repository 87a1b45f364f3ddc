"""Wrong passwords slow down: failed sign-ins counted per key (a user name, a browser session, an address).

After ``free`` failures of a key (at least one) that key waits before it may try again:
``first_wait`` seconds, twice as long after each further failure, up to ``max_wait``; a
successful sign-in clears the key. In-process state, for one app server; the oldest keys are forgotten
beyond ``max_keys``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class SignInThrottle:
    def __init__(self, free: int = 3, first_wait: float = 5.0, max_wait: float = 900.0, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.first_wait, self.max_wait, self.max_keys = free, first_wait, max_wait, max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key -> (failures, time of the last)

    def _wait_of(self, key: str, now: float) -> float:
        failures, last = self._failures.get(key, (0, now))
        if failures == 0 or failures < self.free:
            return 0.0
        wait = min(self.max_wait, self.first_wait * 2 ** (failures - max(self.free, 1)))
        return max(0.0, last + wait - now)

    def wait(self, *keys: str) -> float:
        """Seconds before all of ``keys`` may try again (0 when they may now)."""
        with self._lock:
            now = self._clock()
            return max((self._wait_of(k, now) for k in keys), default=0.0)

    def failed(self, *keys: str) -> None:
        with self._lock:
            now = self._clock()
            for key in keys:
                failures, _ = self._failures.pop(key, (0, now))
                self._failures[key] = (failures + 1, now)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
