"""MQTT side of the simulator: one connection per sensor, with its Last Will on the status topic."""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

log = logging.getLogger("bosai.sim")
CONNECT_TIMEOUT_S = 10.0
KEEPALIVE_S = 30
MAX_INFLIGHT = 100
FLUSH_TIMEOUT_S = 30.0


class Publisher(Protocol):
    """Where the simulator sends a station's payloads."""

    def publish(self, code: str, payload: bytes) -> None:
        """Send a reading payload (QoS 1)."""

    def reconnect(self, code: str) -> None:
        """Drop and re-open the station's broker connection."""

    def close(self) -> None:
        """Wait for outstanding messages, say offline, disconnect."""


class MqttPublisher:
    """paho clients, one per station: Last Will `offline` (retained), `online` published on connect."""

    def __init__(
        self,
        codes: list[str],
        *,
        host: str,
        port: int,
        root: str = "sensors",
        client_prefix: str = "sim",
        credentials: tuple[str | None, str | None] = (None, None),
    ) -> None:
        self.root = root
        self.clients: dict[str, mqtt.Client] = {}
        self._pending: deque[mqtt.MQTTMessageInfo] = deque()
        self._lock = threading.Lock()
        for code in codes:
            client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{client_prefix}-{code}", protocol=mqtt.MQTTv5)
            if credentials[0]:
                client.username_pw_set(*credentials)
            client.max_inflight_messages_set(MAX_INFLIGHT)
            client.will_set(self.status_topic(code), b"offline", qos=1, retain=True)
            client.on_connect = self._on_connect(code)
            client.connect(host, port, keepalive=KEEPALIVE_S)
            client.loop_start()
            self.clients[code] = client

    def status_topic(self, code: str) -> str:
        """The station's retained status topic."""
        return f"{self.root}/{code}/status"

    def _on_connect(self, code: str) -> mqtt.CallbackOnConnect:
        def on_connect(client: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
            client.publish(self.status_topic(code), b"online", qos=1, retain=True)

        return on_connect

    def publish(self, code: str, payload: bytes) -> None:
        """Queue a QoS 1 reading (paho re-sends it after a reconnect)."""
        info = self.clients[code].publish(f"{self.root}/{code}/readings", payload, qos=1)
        with self._lock:
            while self._pending and self._pending[0].is_published():
                self._pending.popleft()
            self._pending.append(info)

    def reconnect(self, code: str) -> None:
        """Simulate a flaky link: drop the connection and connect again."""
        log.info("%s: reconnecting to the broker", code)
        self.clients[code].reconnect()

    def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> None:
        """Wait until the broker acknowledged every reading."""
        with self._lock:
            pending, self._pending = self._pending, deque()
        for info in pending:
            info.wait_for_publish(timeout)

    def close(self) -> None:
        """Flush, publish `offline` (a clean stop does not fire the Will) and disconnect."""
        self.flush()
        for code, client in self.clients.items():
            client.publish(self.status_topic(code), b"offline", qos=1, retain=True).wait_for_publish(CONNECT_TIMEOUT_S)
            client.disconnect()
            client.loop_stop()
