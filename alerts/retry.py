"""The retry kit of alert delivery: named retry policies and timeouts for every channel and job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from procrastinate import RetryStrategy
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request: attempts, exponential backoff, and the longest Retry-After we honour."""

    attempts: int
    base_s: float
    max_wait_s: float


@dataclass(frozen=True)
class Timeouts:
    """Named HTTP timeouts of one request."""

    connect_s: float
    read_s: float


#: One Web Push request: 4 tries, 0.5 s doubling, Retry-After honoured up to 30 s.
WEBPUSH_RETRY = RetryPolicy(attempts=4, base_s=0.5, max_wait_s=30.0)
WEBPUSH_TIMEOUTS = Timeouts(connect_s=5.0, read_s=10.0)
#: One LINE multicast: 4 tries, 1 s doubling, Retry-After honoured up to 60 s.
LINE_RETRY = RetryPolicy(attempts=4, base_s=1.0, max_wait_s=60.0)
#: Jobs of the queue: a fan-out (resolving targets) and a chunk still holding deliveries to retry.
FANOUT_JOB_RETRY = RetryStrategy(max_attempts=10, exponential_wait=2)
DELIVER_JOB_RETRY = RetryStrategy(max_attempts=6, exponential_wait=3)


class TransientError(Exception):
    """429, 5xx or a network error: worth another try, after Retry-After when the service gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_s(value: str | None, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - now()).total_seconds())
    except (TypeError, ValueError):
        return None


def backoff(policy: RetryPolicy, attempt: int, exc: BaseException | None) -> float:
    """Seconds before try `attempt + 1`: Retry-After when the service gave one (capped), else exponential."""
    if isinstance(exc, TransientError) and exc.retry_after is not None:
        return float(min(policy.max_wait_s, exc.retry_after))
    return float(min(policy.max_wait_s, policy.base_s * 2.0 ** (attempt - 1)))


def retrying(policy: RetryPolicy, *, already_tried: int = 0) -> AsyncRetrying:
    """tenacity's loop for the tries the policy leaves after `already_tried`; the last TransientError is raised."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return backoff(policy, already_tried + state.attempt_number, exc)

    return AsyncRetrying(
        stop=stop_after_attempt(max(1, policy.attempts - already_tried)),
        wait=wait,
        retry=retry_if_exception_type(TransientError),
        reraise=True,
    )
