"""Fixtures of the alert engine: local fake push and LINE services, the job queue, staff tokens, gauges."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from alerts import queue as job_queue
from alerts.channels.vapid import generate_vapid_key
from hub.settings import Settings
from hub.stations.models import Station, StationEvent
from hub.users.auth import hash_password, issue_access_token, signing_secret
from hub.users.models import User
from tests.conftest import DATA, TEST_DATABASE_URL, LiveServer
from tests.fakes import line_api, push_service
from tests.fakes.server import ThreadedServer

LINE_TOKEN = "line-test-access-token-0123456789"
LINE_SECRET = "line-test-channel-secret"
PUSH_SEED = "bosai-tests"
#: A gauge on the Meguro river in Shinagawa (太鼓橋 area), with all four river levels.
GAUGE = {"lon": 139.7125, "lat": 35.6335, "river": "目黒川"}


@pytest.fixture(scope="session")
def fake_line() -> Iterator[tuple[line_api.FakeLineState, str]]:
    """A running fake LINE Messaging API."""
    state = line_api.FakeLineState(token=LINE_TOKEN)
    with ThreadedServer(line_api.create_app(state)) as server:
        yield state, server.url


@pytest.fixture(scope="session")
def fake_push() -> Iterator[push_service.FakePushState]:
    """A running fake push service (decrypts every message)."""
    state = push_service.FakePushState(seed=PUSH_SEED)
    with ThreadedServer(push_service.create_app(state)) as server:
        state.origin = server.url
        yield state


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, fake_line: tuple[line_api.FakeLineState, str]) -> Settings:
    """Test settings with a VAPID key outside the repo, the fakes allowed, LINE pointed at the fake."""
    key = tmp_path_factory.mktemp("secrets") / "vapid.pem"
    generate_vapid_key(key)
    return Settings(
        database_url=TEST_DATABASE_URL,
        data_dir=DATA,
        jwt_secret="test-secret-not-for-production",
        vapid_private_key_file=key,
        push_host_allowlist=["127.0.0.1", "*.push.example.org"],
        line_api_base_url=fake_line[1],
        line_channel_secret=LINE_SECRET,
        line_channel_access_token=LINE_TOKEN,
        public_url="http://hub.example.org",
        # The end-to-end test subscribes 61 browsers from one address; the default 20/hour is tested on its own.
        rate_limits={"login": "10/minute", "public": "3000/minute", "subscribe": "1000/minute"},
    )


@pytest.fixture(scope="session")
def queue(engine: Engine, settings: Settings) -> str:
    """The test database with the job queue's schema; returns its URL."""
    job_queue.apply_queue_schema(settings.database_url)
    return settings.database_url


@pytest.fixture
def app(settings: Settings, engine: Engine, queue: str) -> FastAPI:
    """The full web app; the token secret is set on it if the hub app does not do so itself yet."""
    from bosai.web import create_app

    application = create_app(settings, engine)
    if getattr(application.state, "jwt_secret", None) is None:
        application.state.jwt_secret = signing_secret(settings)
    return application


@pytest.fixture(scope="session")
def alerts_server(settings: Settings, engine: Engine, queue: str) -> Iterator[LiveServer]:
    """The full app over real HTTP (commits: tests clean up what they create)."""
    from bosai.web import create_app

    application = create_app(settings, engine)
    if getattr(application.state, "jwt_secret", None) is None:
        application.state.jwt_secret = signing_secret(settings)
    server = LiveServer(application)
    server.start()
    yield server
    server.stop()


@dataclass(frozen=True)
class Staff:
    """A staff user and a bearer header for them."""

    user_id: int
    headers: dict[str, str]


def make_staff(session: Session, settings: Settings, roles: list[str]) -> Staff:
    """A user with the roles and a fresh access token."""
    user = User(username=f"u-{uuid.uuid4().hex[:10]}", password_hash=hash_password("x" * 12), roles=roles)
    session.add(user)
    session.flush()
    token = issue_access_token(
        secret=signing_secret(settings),
        user_id=user.id,
        username=user.username,
        now=datetime.now(UTC),
        ttl=timedelta(minutes=30),
    )
    return Staff(user.id, {"Authorization": f"Bearer {token}"})


def make_gauge(session: Session, code: str | None = None) -> Station:
    """A telemeter gauge on the Meguro river with every threshold (metres)."""
    station = Station(
        code=code or f"T{uuid.uuid4().hex[:9]}",
        name="太鼓橋",
        kind="water_level",
        river=GAUGE["river"],
        location=f"SRID=4326;POINT({GAUGE['lon']} {GAUGE['lat']})",
        standby_level_m=1.0,
        caution_level_m=1.5,
        evacuation_level_m=2.0,
        danger_level_m=2.5,
        flooding_level_m=3.0,
        reporting_mode="regular",
        expected_interval_s=600,
    )
    session.add(station)
    session.flush()
    return station


def add_danger_event(session: Session, station: Station, *, at: datetime | None = None) -> None:
    """The gauge's level-4 crossing (evacuation → danger at 2.6 m), as the ingestor records it; flushed."""
    session.add(
        StationEvent(
            station_id=station.id,
            kind="level",
            from_state="evacuation",
            to_state="danger",
            alert_level=4,
            water_level_m=2.6,
            observed_at=at or datetime.now(UTC),
        )
    )
    session.flush()


def push_subscription(state: push_service.FakePushState, name: str) -> dict[str, object]:
    """A browser's PushSubscription.toJSON() for a fake-service subscription."""
    return {"endpoint": state.endpoint(name), "keys": state.keys(name).subscription_keys()}


def wipe(
    engine: Engine,
    *,
    alert_ids: Sequence[int] = (),
    subscription_ids: Sequence[int] = (),
    station_ids: Sequence[int] = (),
    user_ids: Sequence[int] = (),
    device_ids: Sequence[str] = (),
) -> None:
    """Delete rows a committing test created (deliveries and events cascade)."""
    with engine.begin() as conn:
        job_queue.delete_all_jobs(conn)
        if alert_ids:
            conn.execute(
                text("DELETE FROM events WHERE kind LIKE 'alert.%' AND (payload->>'id')::int = ANY(:i)"),
                {"i": list(alert_ids)},
            )
            conn.execute(text("UPDATE alerts SET references_id = NULL WHERE id = ANY(:i)"), {"i": list(alert_ids)})
            conn.execute(text("DELETE FROM alerts WHERE id = ANY(:i)"), {"i": list(alert_ids)})
        if station_ids:
            conn.execute(
                text(
                    "DELETE FROM alerts WHERE station_event_id IN (SELECT id FROM station_events "
                    "WHERE station_id = ANY(:i))"
                ),
                {"i": list(station_ids)},
            )
            conn.execute(text("DELETE FROM stations WHERE id = ANY(:i)"), {"i": list(station_ids)})
        if subscription_ids:
            conn.execute(text("DELETE FROM subscriptions WHERE id = ANY(:i)"), {"i": list(subscription_ids)})
        if user_ids:
            conn.execute(
                text("DELETE FROM audit_log WHERE actor IN (SELECT username FROM users WHERE id = ANY(:i))"),
                {"i": list(user_ids)},
            )
            conn.execute(
                text(
                    "UPDATE alerts SET approved_by = NULL, drafted_by = NULL "
                    "WHERE approved_by = ANY(:i) OR drafted_by = ANY(:i)"
                ),
                {"i": list(user_ids)},
            )
            conn.execute(text("DELETE FROM users WHERE id = ANY(:i)"), {"i": list(user_ids)})
        if device_ids:
            conn.execute(text("DELETE FROM signage_devices WHERE device_id = ANY(:i)"), {"i": list(device_ids)})


REPO = Path(__file__).resolve().parents[2]
CAP_XSD = REPO / "data" / "cap" / "cap-v1.2.xsd"
