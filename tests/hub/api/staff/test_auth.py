"""OAuth2 password login, per-source throttle with backoff, token validity, the secret requirement, login rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bosai.web import create_app
from hub.api.deps import get_reader, get_session
from hub.api.reader import Reader
from hub.api.security import get_clock
from hub.audit.models import AuditEntry
from hub.settings import Settings
from hub.shelters.models import Shelter
from hub.users import throttle
from hub.users.auth import LockoutPolicy, issue_access_token, issue_shelter_token
from tests.hub.api.staff.conftest import PASSWORD, MakeStaff

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
#: The client address TestClient reports.
SOURCE = "testclient"


class FakeClock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: FastAPI, client: TestClient) -> Iterator[FakeClock]:
    """The app's clock, under the test's control."""
    fake = FakeClock(T0)
    app.dependency_overrides[get_clock] = lambda: fake
    yield fake


def login(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post("/api/auth/token", data={"username": username, "password": password})
    return response.status_code, response.json()


def test_login_issues_a_working_bearer_token(client: TestClient, make_staff: MakeStaff, db: Session) -> None:
    alice = make_staff("coordinator", username="alice")
    status, body = login(client, "alice", PASSWORD)
    assert status == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["actor"] == "alice" and me.json()["roles"] == ["coordinator"]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login")).one()
    assert (entry.actor, entry.entity_id) == ("alice", str(alice.user.id))


def test_wrong_unknown_and_disabled_get_the_same_401(client: TestClient, make_staff: MakeStaff, db: Session) -> None:
    make_staff("viewer", username="bob")
    disabled = make_staff("viewer", username="carol")
    disabled.user.active = False
    db.commit()
    answers = [
        login(client, "bob", "wrong password!!"),
        login(client, "nobody", PASSWORD),
        login(client, "carol", PASSWORD),
    ]
    for status, body in answers:
        assert status == 401
        assert body["error"] == "invalid_grant"
        assert body["detail"] == answers[0][1]["detail"]
    response = client.post("/api/auth/token", data={"username": "bob", "password": "x"})
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"].startswith("application/problem+json")
    failures = db.scalars(select(AuditEntry.actor).where(AuditEntry.action == "auth.login_failed")).all()
    assert sorted(failures) == ["bob", "bob", "carol", "nobody"]


def test_throttle_of_a_source_doubles_and_a_success_clears_it(
    client: TestClient, make_staff: MakeStaff, db: Session, clock: FakeClock, settings: Settings
) -> None:
    dave = make_staff("operator", username="dave").user
    policy = LockoutPolicy.from_settings(settings)
    for _ in range(settings.login_max_failures):
        assert login(client, "dave", "not the password")[0] == 401
    db.refresh(dave)
    assert dave.failed_logins == settings.login_max_failures
    base = timedelta(seconds=settings.login_lockout_base_s)
    assert throttle.blocked_until(db, username="dave", source=SOURCE, now=T0, policy=policy) == T0 + base
    # Throttled: from this address even the right password is refused, without revealing why.
    assert login(client, "dave", PASSWORD)[0] == 401
    clock.now = T0 + base - timedelta(seconds=1)
    assert login(client, "dave", PASSWORD)[0] == 401
    # Each refused try counts: the wait doubles from the last one.
    until = throttle.blocked_until(db, username="dave", source=SOURCE, now=clock.now, policy=policy)
    assert until == clock.now + 4 * base
    clock.now = until
    assert login(client, "dave", PASSWORD)[0] == 200
    db.refresh(dave)
    assert dave.failed_logins == 0
    assert throttle.blocked_until(db, username="dave", source=SOURCE, now=clock.now, policy=policy) is None


def test_admin_unlock(client: TestClient, make_staff: MakeStaff, db: Session, clock: FakeClock) -> None:
    admin = make_staff("admin")
    erin = make_staff("viewer", username="erin").user
    for _ in range(6):
        login(client, "erin", "wrong wrong wrong")
    assert login(client, "erin", PASSWORD)[0] == 401
    response = client.post(f"/api/users/{erin.id}/unlock", headers=admin.headers)
    assert response.status_code == 200 and response.json()["failed_logins"] == 0
    assert login(client, "erin", PASSWORD)[0] == 200


@pytest.mark.parametrize(
    "mutate",
    ["expired", "forged", "garbage", "disabled", "shelter-link-as-staff"],
)
def test_bad_tokens_are_401_or_403(
    mutate: str, client: TestClient, make_staff: MakeStaff, db: Session, secret: bytes, shelter: Shelter
) -> None:
    frank = make_staff("admin", username="frank")
    now = datetime.now(UTC)
    token = {
        "expired": issue_access_token(
            secret=secret,
            user_id=frank.user.id,
            username="frank",
            now=now - timedelta(hours=2),
            ttl=timedelta(minutes=30),
        ),
        "forged": issue_access_token(
            secret=b"another-secret-of-enough-length!!",
            user_id=frank.user.id,
            username="frank",
            now=now,
            ttl=timedelta(minutes=5),
        ),
        "garbage": "not.a.token",
        "disabled": frank.token,
        "shelter-link-as-staff": issue_shelter_token(
            secret=secret, shelter_id=shelter.id, issued_by="frank", now=now, ttl=timedelta(hours=1)
        ).token,
    }[mutate]
    if mutate == "disabled":
        frank.user.active = False
        db.commit()
    response = client.get("/api/users", headers={"Authorization": f"Bearer {token}"})
    if mutate == "shelter-link-as-staff":
        assert response.status_code == 403  # a valid link, but it carries no role
    else:
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_alg_none_token_is_rejected(client: TestClient, make_staff: MakeStaff) -> None:
    frank = make_staff("admin")
    claims = jwt.decode(frank.token, options={"verify_signature": False})
    unsigned = jwt.encode(claims, key="", algorithm="none")
    assert client.get("/api/users", headers={"Authorization": f"Bearer {unsigned}"}).status_code == 401


def test_no_secret_refuses_token_issuing(settings: Settings, engine: Engine, db: Session) -> None:
    app = create_app(settings.model_copy(update={"jwt_secret": None, "jwt_secret_file": None}), engine)
    app.dependency_overrides[get_session] = lambda: db
    app.dependency_overrides[get_reader] = lambda: Reader(db)
    with TestClient(app) as client:
        response = client.post("/api/auth/token", data={"username": "x", "password": "y"})
        assert response.status_code == 503
        assert "BOSAI_JWT_SECRET" in response.json()["detail"]
        assert client.get("/api/shelters", params={"kind": "wide_area_site"}).status_code == 200


def test_login_rate_limit(settings: Settings, engine: Engine, db: Session) -> None:
    limited = settings.model_copy(update={"rate_limits": {"login": "3/minute", "public": "1000/minute"}})
    app = create_app(limited, engine)
    app.dependency_overrides[get_session] = lambda: db
    app.dependency_overrides[get_reader] = lambda: Reader(db)
    with TestClient(app) as client:
        statuses = [client.post("/api/auth/token", data={"username": "z", "password": "y"}) for _ in range(4)]
    assert [r.status_code for r in statuses] == [401, 401, 401, 429]
    assert int(statuses[-1].headers["retry-after"]) >= 1
    assert statuses[-1].json()["title"] == "Too Many Requests"
