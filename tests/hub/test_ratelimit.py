"""Token buckets with an injected clock."""

from __future__ import annotations

import pytest

from hub.api.ratelimit import Rate, RateLimiter, parse_rate


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_parse_rate() -> None:
    assert parse_rate("10/minute") == Rate(10, 60.0)
    assert parse_rate(" 5 / second ") == Rate(5, 1.0)
    for bad in ("10", "0/minute", "ten/minute", "10/day"):
        with pytest.raises(ValueError, match="10/minute"):
            parse_rate(bad)


def test_burst_then_refill_per_client() -> None:
    clock = Clock()
    limiter = RateLimiter({"login": Rate(3, 60.0)}, clock)
    assert [limiter.take("login", "1.2.3.4") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("login", "1.2.3.4") == pytest.approx(20.0)
    assert limiter.take("login", "5.6.7.8") == 0.0  # another client has its own bucket
    clock.t += 20.0
    assert limiter.take("login", "1.2.3.4") == 0.0
    assert limiter.take("login", "1.2.3.4") > 0.0


def test_forgets_the_least_recently_used_clients() -> None:
    limiter = RateLimiter({"public": Rate(1, 3600.0)}, Clock(), max_keys=2)
    for client in ("a", "b", "c"):
        assert limiter.take("public", client) == 0.0
    assert limiter.take("public", "a") == 0.0  # forgotten, so full again
    assert limiter.take("public", "c") > 0.0
