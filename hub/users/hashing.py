"""Password hashing for logins: argon2id at OWASP parameters, with a bound on hashes running at once.

Parameters (OWASP Password Storage Cheat Sheet, argon2id): m=19 MiB, t=2, p=1 — the cheat sheet's first
listed configuration, equivalent in defence to its higher-memory rows, and the cheapest in memory. A hub is
a small server (2 cores, a few GB) where every login is a hash: 19 MiB × `login_hash_concurrency` (2) caps
login memory at ~40 MiB instead of 64 MiB per request. Older hashes (the library default, m=64 MiB, t=3,
p=4) still verify and are rehashed at these parameters on the next successful login.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.settings import Settings

ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1


def owasp_hasher() -> PasswordHasher:
    """argon2id at the OWASP parameters named above."""
    return PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM)


class HashingBusyError(RuntimeError):
    """Too many logins are already hashing or waiting to; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many logins at once")
        self.retry_after = retry_after


class PasswordHashing:
    """Hash and verify through at most `concurrency` slots; beyond `queue` waiters, refuse at once."""

    def __init__(self, hasher: PasswordHasher, *, concurrency: int, queue: int, wait_s: float) -> None:
        self.hasher = hasher
        self.concurrency = concurrency
        self.queue = queue
        self.wait_s = wait_s
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._admitted = 0

    @classmethod
    def from_settings(cls, settings: Settings, hasher: PasswordHasher | None = None) -> PasswordHashing:
        """The gate sized by the settings, around the OWASP hasher unless another is given."""
        return cls(
            hasher or owasp_hasher(),
            concurrency=settings.login_hash_concurrency,
            queue=settings.login_hash_queue,
            wait_s=settings.login_hash_wait_s,
        )

    @property
    def retry_after(self) -> int:
        """Seconds a refused login is told to wait."""
        return max(1, round(self.wait_s))

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one hashing slot; HashingBusyError when the queue is full or the wait too long."""
        with self._lock:
            if self._admitted >= self.concurrency + self.queue:
                raise HashingBusyError(self.retry_after)
            self._admitted += 1
        try:
            if not self._slots.acquire(timeout=self.wait_s):
                raise HashingBusyError(self.retry_after)
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._lock:
                self._admitted -= 1

    def hash(self, password: str) -> str:
        """A new hash of the password."""
        with self.slot():
            return self.hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; a malformed hash is a mismatch (and costs the same)."""
        with self.slot():
            try:
                return self.hasher.verify(password_hash, password)
            except VerificationError:
                return False
            except InvalidHashError:
                pass
            with suppress(VerificationError):  # a malformed stored hash costs as much as a real one
                self.hasher.verify(self.dummy_hash, password)
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        try:
            return self.hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    @cached_property
    def dummy_hash(self) -> str:
        """A hash at the current parameters, verified for unknown, disabled and throttled logins."""
        return self.hasher.hash(uuid.uuid4().hex)
