"""Fixtures of the ingest tests: committed test stations (removed afterwards), topics, a running ingestor."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from hub.settings import Settings
from ingest.mqttclient import purge_session
from ingest.service import IngestConfig, Ingestor
from tests.ingest.proxy import Proxy

WAIT_S = 30.0
BROKER = ("127.0.0.1", 1883)


@dataclass(frozen=True)
class SiteRow:
    """A committed station of the test, with the full set of river levels 1–5 m."""

    id: int
    code: str


def conninfo(url: str) -> str:
    """libpq form of a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def wait_until(check: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    """Poll until check() is truthy; fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def make_stations(url: str, count: int, prefix: str) -> list[SiteRow]:
    """Insert test stations (committed) with levels standby 1, caution 2, evacuation 3, danger 4, flooding 5."""
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        rows = conn.execute(
            """
            INSERT INTO stations (code, name, kind, location, standby_level_m, caution_level_m, evacuation_level_m,
                                  danger_level_m, flooding_level_m, min_valid_m, max_valid_m, reporting_mode,
                                  expected_interval_s, source)
            SELECT %s || '-' || i, 'テスト観測所 ' || i, 'water_level', ST_SetSRID(ST_MakePoint(139.73, 35.61), 4326),
                   1, 2, 3, 4, 5, -5, 20, 'regular', 600, 'test'
            FROM generate_series(1, %s) AS i
            RETURNING id, code
            """,
            (prefix, count),
        ).fetchall()
    return [SiteRow(i, c) for i, c in sorted(rows)]


def drop_stations(url: str, prefix: str, root: str | None = None) -> None:
    """Remove the test stations (their readings, states and events go with them) and dead letters."""
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("DELETE FROM stations WHERE code LIKE %s", (prefix + "-%",))
        if root:
            conn.execute("DELETE FROM dead_letters WHERE topic LIKE %s", (root + "/%",))


@pytest.fixture
def prefix() -> str:
    """A unique station-code prefix for this test."""
    return f"T{uuid.uuid4().hex[:8]}"


@pytest.fixture
def root() -> str:
    """A unique topic root, so tests on the shared broker do not see each other."""
    return f"test-{uuid.uuid4().hex[:8]}/sensors"


@pytest.fixture
def stations(engine: Engine, settings: Settings, prefix: str, root: str) -> Iterator[list[SiteRow]]:
    """Three committed test stations, removed after the test."""
    made = make_stations(settings.database_url, 3, prefix)
    yield made
    drop_stations(settings.database_url, prefix, root)


@pytest.fixture
def proxy(settings: Settings) -> Iterator[Proxy]:
    """A TCP proxy in front of the test database, to cut it on demand."""
    url = make_url(settings.database_url)
    p = Proxy((url.host or "127.0.0.1", url.port or 5432))
    p.start()
    yield p
    p.cut()


def proxied(settings: Settings, proxy: Proxy) -> str:
    """The test database's URL through the proxy."""
    return make_url(settings.database_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.fixture
def pg(settings: Settings, engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit psycopg connection to the test database."""
    with psycopg.connect(conninfo(settings.database_url), autocommit=True) as conn:
        yield conn


def ingest_config(settings: Settings, root: str, **overrides: Any) -> IngestConfig:
    """An ingestor configuration for the test database, a unique client id and share group."""
    name = f"test-ingest-{uuid.uuid4().hex[:8]}"
    values: dict[str, Any] = {
        "database_url": settings.database_url,
        "mqtt_host": BROKER[0],
        "mqtt_port": BROKER[1],
        "client_id": name,
        "share_group": name,
        "topic_root": root,
        "batch_window_s": 0.05,
        "health_port": 0,
    }
    return IngestConfig(**(values | overrides))


@pytest.fixture
def ingestor(settings: Settings, stations: list[SiteRow], root: str) -> Iterator[Ingestor]:
    """A running in-process ingestor; stopped and its broker session removed afterwards."""
    running = Ingestor(ingest_config(settings, root))
    running.start()
    wait_until(lambda: running.health.ok, "the ingestor to connect and subscribe")
    yield running
    running.stop()
    purge_session(*BROKER, running.config.client_id)


class Publisher:
    """A QoS 1 test publisher on the local broker."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.connect(*BROKER)
        self.client.loop_start()

    def send(
        self, code: str, payload: bytes | str | dict[str, Any] | list[Any], kind: str = "readings", retain: bool = False
    ) -> None:
        """Publish and wait for the broker's PUBACK."""
        if isinstance(payload, dict | list):
            payload = json.dumps(payload)
        info = self.client.publish(f"{self.root}/{code}/{kind}", payload, qos=1, retain=retain)
        info.wait_for_publish(WAIT_S)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(root: str) -> Iterator[Publisher]:
    """A connected test publisher."""
    pub = Publisher(root)
    yield pub
    pub.close()
