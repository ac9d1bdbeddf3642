"""In-process token buckets keyed by (limit name, client): pure logic, the clock is passed in."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

PERIODS_S = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour)\s*$")
#: Buckets kept at most; the least recently used are forgotten first (they would be full by now).
MAX_KEYS = 100_000


@dataclass(frozen=True)
class Rate:
    """`capacity` requests at once, refilled evenly over `period_s`."""

    capacity: int
    period_s: float

    @property
    def per_second(self) -> float:
        """Refill rate."""
        return self.capacity / self.period_s


def parse_rate(value: str) -> Rate:
    """'10/minute' → Rate(10, 60.0); ValueError naming the accepted form otherwise."""
    match = RATE_PATTERN.match(value)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"rate {value!r} must look like '10/minute' (COUNT ≥ 1 per second, minute or hour)")
    return Rate(int(match.group(1)), PERIODS_S[match.group(2)])


class RateLimiter:
    """Named token-bucket limits; `take` answers whether a request may pass and else when to retry."""

    def __init__(self, rates: Mapping[str, Rate], clock: Callable[[], float], max_keys: int = MAX_KEYS) -> None:
        self._rates = dict(rates)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, str], clock: Callable[[], float]) -> RateLimiter:
        """Limits from the settings' name → 'COUNT/PERIOD' mapping."""
        return cls({name: parse_rate(value) for name, value in config.items()}, clock)

    def has(self, name: str) -> bool:
        """True when a limit of that name is configured."""
        return name in self._rates

    def take(self, name: str, key: str) -> float:
        """Spend one token; 0.0 when allowed, else the seconds until a token is available."""
        rate = self._rates[name]
        now = self._clock()
        with self._lock:
            tokens, stamp = self._buckets.pop((name, key), (float(rate.capacity), now))
            tokens = min(float(rate.capacity), tokens + (now - stamp) * rate.per_second)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate.per_second
            self._buckets[(name, key)] = (tokens - 1.0 if wait == 0.0 else tokens, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        return wait
