"""Issue 20: nobody can lock an account out, every login outcome costs one hash, hashing is bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.settings import Settings
from hub.users.auth import hash_password
from hub.users.auth_api import get_password_hashing
from hub.users.hashing import HashingBusyError, PasswordHashing, owasp_hasher
from hub.users.models import LoginThrottle
from tests.hub.api.staff.conftest import PASSWORD, MakeStaff

ATTACKER = ("203.0.113.66", 40000)
COLLEAGUE = ("198.51.100.7", 40001)


class CountingHasher(PasswordHasher):
    """The OWASP argon2id hasher, counting verifications and the most running at once."""

    def __init__(self, hold_s: float = 0.0) -> None:
        base = owasp_hasher()
        super().__init__(time_cost=base.time_cost, memory_cost=base.memory_cost, parallelism=base.parallelism)
        self.hold_s = hold_s
        self.verifications = 0
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        """Count, then verify for real."""
        with self._lock:
            self.verifications += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            time.sleep(self.hold_s)
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def hasher(app: FastAPI, client: TestClient, settings: Settings) -> Iterator[CountingHasher]:
    """The app's login hashing, through a counting hasher."""
    counting = CountingHasher()
    hashing = PasswordHashing.from_settings(settings, counting)
    app.dependency_overrides[get_password_hashing] = lambda: hashing
    yield counting


def login_from(app: FastAPI, source: tuple[str, int], username: str, password: str) -> int:
    """The status of a login from this client address (the app's lifespan already runs for `client`)."""
    other = TestClient(app, client=source)
    try:
        return other.post("/api/auth/token", data={"username": username, "password": password}).status_code
    finally:
        other.close()


def test_failures_from_one_address_never_lock_the_account_for_another(
    app: FastAPI, client: TestClient, make_staff: MakeStaff, settings: Settings, hasher: CountingHasher
) -> None:
    make_staff("coordinator", username="gina")
    for _ in range(settings.login_max_failures + 2):
        assert login_from(app, ATTACKER, "gina", "guessing guessing") == 401
    # The attacker's address is throttled, even with the right password ...
    assert login_from(app, ATTACKER, "gina", PASSWORD) == 401
    # ... but gina, from her own address, still logs in.
    assert login_from(app, COLLEAGUE, "gina", PASSWORD) == 200


def test_an_account_guessed_from_many_addresses_slows_every_guessing_address(
    app: FastAPI, client: TestClient, make_staff: MakeStaff, db: Session, settings: Settings, hasher: CountingHasher
) -> None:
    mei = make_staff("approver", username="mei").user
    mei.failed_logins = settings.login_account_alarm_failures  # as after a distributed guess
    db.commit()
    assert login_from(app, ATTACKER, "mei", "one more guess!") == 401
    assert login_from(app, ATTACKER, "mei", PASSWORD) == 401  # refused after one failure, not five
    assert login_from(app, COLLEAGUE, "mei", PASSWORD) == 200  # an address without failures gets through
    db.refresh(mei)
    assert mei.failed_logins == 0


def test_every_login_outcome_runs_exactly_one_hash(
    client: TestClient, make_staff: MakeStaff, db: Session, settings: Settings, hasher: CountingHasher
) -> None:
    make_staff("viewer", username="hana")
    make_staff("viewer", username="ivan").user.active = False
    make_staff("viewer", username="jun")
    db.commit()
    for _ in range(settings.login_max_failures):
        client.post("/api/auth/token", data={"username": "jun", "password": "wrong wrong wrong"})
    outcomes = {
        "unknown user": ("nobody-here", PASSWORD, 401),
        "wrong password": ("hana", "wrong wrong wrong", 401),
        "disabled account": ("ivan", PASSWORD, 401),
        "throttled source": ("jun", PASSWORD, 401),
        "right password": ("hana", PASSWORD, 200),
    }
    for outcome, (username, password, status) in outcomes.items():
        before = hasher.verifications
        response = client.post("/api/auth/token", data={"username": username, "password": password})
        assert response.status_code == status, outcome
        assert hasher.verifications - before == 1, outcome


def test_concurrent_logins_never_run_more_hashes_than_the_setting() -> None:
    counting = CountingHasher(hold_s=0.05)
    hashing = PasswordHashing(counting, concurrency=2, queue=100, wait_s=60)
    stored = hash_password(PASSWORD)
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda _: hashing.verify(stored, PASSWORD), range(12)))
    assert results == [True] * 12
    assert counting.verifications == 12
    assert counting.peak == 2


def test_logins_beyond_the_queue_get_503_with_retry_after(
    app: FastAPI, client: TestClient, make_staff: MakeStaff, db: Session
) -> None:
    make_staff("viewer", username="kaito")
    hashing = PasswordHashing(CountingHasher(), concurrency=1, queue=0, wait_s=2)
    app.dependency_overrides[get_password_hashing] = lambda: hashing
    with hashing.slot():  # every slot busy, nobody may queue
        with pytest.raises(HashingBusyError):
            hashing.verify(hashing.dummy_hash, "x")
        response = client.post("/api/auth/token", data={"username": "kaito", "password": PASSWORD})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert db.scalar(select(func.count()).select_from(LoginThrottle)) == 0  # not counted as a failure
    assert client.post("/api/auth/token", data={"username": "kaito", "password": PASSWORD}).status_code == 200


def test_waiting_longer_than_the_setting_is_refused() -> None:
    hashing = PasswordHashing(CountingHasher(), concurrency=1, queue=5, wait_s=0.1)
    with hashing.slot(), pytest.raises(HashingBusyError):
        hashing.hash("a queued login")


def test_argon2id_parameters_are_owasp_and_old_hashes_are_rehashed_on_login(
    client: TestClient, make_staff: MakeStaff, db: Session, hasher: CountingHasher
) -> None:
    assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    lena = make_staff("viewer", username="lena").user
    lena.password_hash = PasswordHasher().hash(PASSWORD)  # the library default the hub used before
    db.commit()
    assert lena.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    response = client.post("/api/auth/token", data={"username": "lena", "password": PASSWORD})
    assert response.status_code == 200
    db.refresh(lena)
    assert lena.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert client.post("/api/auth/token", data={"username": "lena", "password": PASSWORD}).status_code == 200
