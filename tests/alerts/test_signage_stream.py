"""A sign's SSE stream reads the database only when woken: quiet while nothing changes (no statement at
all), its new state as soon as an alert for its place is sent (NOTIFY on the sign channel)."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from alerts.channels import notify_signs
from alerts.drafting import process_pending_events
from alerts.rules import default_rules
from hub.settings import Settings
from tests.alerts.conftest import GAUGE, add_danger_event, make_gauge, make_staff, wipe
from tests.conftest import LiveServer

#: Longest wait for one SSE event (a tick comes every 5 s).
EVENT_TIMEOUT_S = 10.0
#: How soon a sent alert must reach the sign (the stream is woken at commit; far below the 30 s heartbeat).
WAKE_TIMEOUT_S = 5.0

SseEvent = tuple[str, str]


class SseReader:
    """Reads one SSE response in a thread and queues its (event, data) pairs."""

    def __init__(self, response: httpx.Response) -> None:
        self.events: queue.Queue[SseEvent] = queue.Queue()
        self._response = response
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        name, data = "message", []
        try:
            for line in self._response.iter_lines():
                if line.startswith("event:"):
                    name = line.partition(":")[2].strip()
                elif line.startswith("data:"):
                    data.append(line.partition(":")[2].strip())
                elif line == "" and data:
                    self.events.put((name, "\n".join(data)))
                    name, data = "message", []
        except httpx.HTTPError:
            return  # the test closed the stream

    def next(self, kind: str, timeout: float = EVENT_TIMEOUT_S) -> str:
        """The data of the next event of this kind within `timeout` seconds (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            name, data = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            if name == kind:
                return data


class StatementCounter:
    """Counts the statements the app's engine sends while attached."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _count(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.fixture
def sign(alerts_server: LiveServer, engine: Engine, settings: Settings) -> Iterator[dict[str, str]]:
    """A sign at the test gauge, registered through the staff API (removed afterwards)."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        staff = make_staff(session, settings, ["coordinator"])
    device_id = f"quiet-{uuid.uuid4().hex[:8]}"
    body = {"device_id": device_id, "name": "駅前", "lat": GAUGE["lat"], "lon": GAUGE["lon"], "languages": ["ja"]}
    response = httpx.post(f"{alerts_server.url}/api/signage/devices", json=body, headers=staff.headers)
    assert response.status_code == 201, response.text
    yield dict(response.json())
    wipe(engine, device_ids=[device_id], user_ids=[staff.user_id])


def send_alert_at_the_gauge(engine: Engine) -> tuple[int, int]:
    """Draft an alert from a gauge event and send it, waking the signs as dispatch does; (alert, station)."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        station = make_gauge(session)
        add_danger_event(session, station)
        _, [alert] = process_pending_events(session, default_rules())
        alert.status, alert.sent_at = "sent", datetime.now(UTC)
        notify_signs(session, alert.id)
    return alert.id, station.id


def test_a_quiet_sign_stream_sends_no_statement_yet_sees_a_sent_alert(
    alerts_server: LiveServer, engine: Engine, sign: dict[str, str]
) -> None:
    url = f"{alerts_server.url}/signage/{sign['device_id']}/events"
    created: tuple[int, int] | None = None
    timeout = httpx.Timeout(10.0, read=None)
    try:
        with httpx.stream("GET", url, params={"token": sign["token"]}, timeout=timeout) as response:
            assert response.status_code == 200
            reader = SseReader(response)
            first = json.loads(reader.next("state"))
            assert first["alerts"] == []
            with StatementCounter(engine) as counter:
                reader.next("tick")  # the stream's loop has run for a tick interval
            assert counter.statements == [], "a sign stream read the database while nothing changed"

            created = send_alert_at_the_gauge(engine)
            woken = json.loads(reader.next("state", timeout=WAKE_TIMEOUT_S))
            assert [a["id"] for a in woken["alerts"]] == [created[0]]
    finally:
        if created is not None:
            wipe(engine, alert_ids=[created[0]], station_ids=[created[1]])
