"""Wrong passwords slow down per key, growing, capped, and a success clears the key (a fake clock: no sleeping)."""

from __future__ import annotations

from core.auth.throttle import SignInThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_wait_starts_after_the_free_failures_and_doubles_up_to_the_cap():
    clock = Clock()
    throttle = SignInThrottle(free=3, first_wait=5, max_wait=60, clock=clock)
    for _ in range(3):
        assert throttle.wait("user:alice") == 0
        throttle.failed("user:alice")
    assert throttle.wait("user:alice") == 5
    waits = []
    for _ in range(5):
        clock.now += throttle.wait("user:alice")
        throttle.failed("user:alice")
        waits.append(throttle.wait("user:alice"))
    assert waits == [10, 20, 40, 60, 60]
    clock.now += 59
    assert throttle.wait("user:alice") == 1


def test_keys_are_counted_apart_and_the_longest_wait_wins():
    clock = Clock()
    throttle = SignInThrottle(free=0, first_wait=5, clock=clock)
    throttle.failed("user:alice", "session:one")
    throttle.failed("user:bob", "session:one")
    assert throttle.wait("user:carol", "session:two") == 0
    assert throttle.wait("user:alice", "session:two") == 5
    assert throttle.wait("user:carol", "session:one") == 10  # the session tried two names


def test_a_success_clears_the_key_and_old_keys_are_forgotten():
    clock = Clock()
    throttle = SignInThrottle(free=0, first_wait=5, max_keys=2, clock=clock)
    throttle.failed("user:alice")
    throttle.succeeded("user:alice")
    assert throttle.wait("user:alice") == 0
    throttle.failed("a")
    throttle.failed("b")
    throttle.failed("c")
    assert throttle.wait("a") == 0 and throttle.wait("c") == 5
