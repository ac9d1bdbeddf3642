"""GET /healthz: the status for everyone; which dependency fails, and why, for staff only; one broker
connection per few seconds however often it is asked."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bosai.web import create_app
from hub.api.deps import get_session
from hub.api.health import CachedCheck
from hub.db import make_engine
from hub.settings import Settings
from hub.users import service as users
from hub.users.auth import issue_access_token, signing_secret
from tests.fakes.server import free_port
from tests.ingest.broker import PrivateBroker

CHECKS_OK = {"database": "ok", "broker": "ok"}
ClientOf = Callable[[FastAPI], TestClient]


def staff_token(db: Session, settings: Settings, roles: tuple[str, ...] = ("viewer",)) -> str:
    """A bearer token of a new account with the roles, in the rolled-back session."""
    user = users.create_user(db, username=f"health-{uuid.uuid4().hex[:8]}", password="", password_hash="x", roles=roles)
    db.commit()
    secret = signing_secret(settings)
    return issue_access_token(
        secret=secret, user_id=user.id, username=user.username, now=datetime.now(UTC), ttl=timedelta(minutes=5)
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client_of(db: Session) -> Iterator[ClientOf]:
    """Open a TestClient of an app whose sessions are the rolled-back test session."""
    opened: list[TestClient] = []

    def open_client(app: FastAPI) -> TestClient:
        app.dependency_overrides[get_session] = lambda: db
        client = TestClient(app)
        client.__enter__()
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.__exit__(None, None, None)


def test_anonymous_callers_see_the_status_only(settings: Settings, engine: Engine) -> None:
    with TestClient(create_app(settings, engine)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
    down = settings.model_copy(update={"mqtt_url": f"mqtt://127.0.0.1:{free_port()}"})
    with TestClient(create_app(down, engine)) as client:
        response = client.get("/healthz", headers=bearer("not-a-token"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "broker" not in response.text and "Error" not in response.text


def test_staff_see_every_check(settings: Settings, engine: Engine, db: Session, client_of: ClientOf) -> None:
    client = client_of(create_app(settings, engine))
    response = client.get("/healthz", headers=bearer(staff_token(db, settings)))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": CHECKS_OK, "failing": []}


def test_503_names_the_broker_to_staff_when_it_is_down(
    settings: Settings, engine: Engine, db: Session, client_of: ClientOf
) -> None:
    down = settings.model_copy(update={"mqtt_url": f"mqtt://127.0.0.1:{free_port()}"})
    client = client_of(create_app(down, engine))
    response = client.get("/healthz", headers=bearer(staff_token(db, settings)))
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"


def test_503_names_the_database_to_staff_when_it_is_down(settings: Settings) -> None:
    url = f"postgresql+psycopg://postgres:secret-pw@127.0.0.1:{free_port()}/bosai"
    bad_engine = make_engine(url)
    token = issue_access_token(
        secret=signing_secret(settings), user_id=1, username="admin", now=datetime.now(UTC), ttl=timedelta(minutes=5)
    )
    try:
        with TestClient(create_app(settings.model_copy(update={"database_url": url}), bad_engine)) as client:
            anonymous = client.get("/healthz")
            response = client.get("/healthz", headers=bearer(token))
    finally:
        bad_engine.dispose()
    assert anonymous.status_code == 503 and anonymous.json() == {"status": "unavailable"}
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert "secret-pw" not in response.text


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    """A Mosquitto of this test alone, logging every client that connects."""
    broker = PrivateBroker(tmp_path)
    broker.start()
    yield broker
    broker.stop()


def health_connections(broker: PrivateBroker) -> int:
    """How many MQTT sessions the hub's health check opened on the broker (CONNECT accepted)."""
    log = (broker.dir / "mosquitto.log").read_text()
    return sum("New client connected" in line and " as bosai-health-" in line for line in log.splitlines())


def test_twenty_quick_probes_open_one_broker_connection(
    settings: Settings, engine: Engine, private_broker: PrivateBroker
) -> None:
    probed = settings.model_copy(update={"mqtt_url": f"mqtt://127.0.0.1:{private_broker.port}"})
    with TestClient(create_app(probed, engine)) as client, ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(lambda _: client.get("/healthz").status_code, range(20)))
    assert answers == [200] * 20
    assert health_connections(private_broker) == 1


def test_a_cached_check_runs_again_once_its_answer_is_stale() -> None:
    now = [100.0]
    runs: list[float] = []

    def check() -> str | None:
        runs.append(now[0])
        return None if len(runs) == 1 else "down"

    cached = CachedCheck(check, ttl_s=5.0, clock=lambda: now[0])
    assert [cached(), cached()] == [None, None]
    now[0] += 4.9
    assert cached() is None and runs == [100.0]
    now[0] += 0.1
    assert cached() == "down" and runs == [100.0, 105.0]
