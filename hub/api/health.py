"""Reachability checks of the database and the MQTT broker; the broker's answer is reused for a while."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from functools import partial

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, text

from hub.settings import Settings

CHECK_TIMEOUT_S = 3.0


def database_problem(engine: Engine) -> str | None:
    """None when the database answers and has PostGIS, else what is wrong."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT postgis_version()")).scalar_one()
    except Exception as exc:  # any driver error means unreachable
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def broker_problem(settings: Settings, timeout: float = CHECK_TIMEOUT_S) -> str | None:
    """None when the MQTT broker accepts a connection (CONNACK success), else what is wrong."""
    done = threading.Event()
    result: list[str | None] = ["no CONNACK within timeout"]

    def on_connect(client: mqtt.Client, userdata: object, flags: object, reason: object, props: object) -> None:
        result[0] = None if not getattr(reason, "is_failure", False) else f"broker refused: {reason}"
        done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bosai-health-{uuid.uuid4().hex[:8]}")
    user, password = settings.mqtt_credentials
    if user:
        client.username_pw_set(user, password)
    client.on_connect = on_connect
    client.connect_timeout = timeout
    try:
        client.connect(settings.mqtt_host, settings.mqtt_port, keepalive=10)
        client.loop_start()
        done.wait(timeout)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.disconnect()
        client.loop_stop()
    return result[0]


Check = Callable[[], str | None]


class CachedCheck:
    """A check whose answer is reused for `ttl_s` seconds; concurrent callers share one run."""

    def __init__(self, check: Check, *, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._check = check
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._answer: tuple[float, str | None] | None = None

    def __call__(self) -> str | None:
        """The last answer while it is fresh, else a new one (callers meanwhile wait for it)."""
        with self._lock:
            if self._answer is None or self._clock() - self._answer[0] >= self._ttl_s:
                problem = self._check()
                self._answer = (self._clock(), problem)
            return self._answer[1]


def cached_broker_check(settings: Settings) -> CachedCheck:
    """The broker check of these settings, answered at most once per `health_cache_s`."""
    return CachedCheck(partial(broker_problem, settings), ttl_s=settings.health_cache_s)
