"""GET /api/events over real HTTP: Last-Event-ID replay, live NOTIFY delivery, kind filter, bad ids."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import Engine, delete

from hub.db import transaction
from hub.events import service as events
from hub.events.models import Event
from tests.conftest import LiveServer

#: Generous: a broken stream fails the test instead of hanging it (not a speed assertion).
READ_TIMEOUT = httpx.Timeout(30.0)


@dataclass
class Message:
    """One SSE message as received."""

    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)
    retry: str | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def json(self) -> dict[str, object]:
        """The data lines as JSON."""
        value: dict[str, object] = json.loads("\n".join(self.data))
        return value


def messages(response: httpx.Response) -> Iterator[Message]:
    """Parse an event stream (WHATWG HTML §9.2) into messages, pings and comments included."""
    current = Message()
    for line in response.iter_lines():
        if line == "":
            yield current
            current = Message()
        elif line.startswith(":"):
            current.comments.append(line[1:].strip())
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                current.data.append(value)
            elif name in ("id", "event", "retry"):
                setattr(current, name, value)


def next_events(stream: Iterator[Message], count: int) -> list[Message]:
    """The next `count` messages carrying an event id (skipping pings and the greeting)."""
    found: list[Message] = []
    while len(found) < count:
        message = next(stream)
        if message.id is not None:
            found.append(message)
    return found


Emit = Callable[..., int]


@pytest.fixture
def publish(engine: Engine) -> Iterator[Emit]:
    """Commit events for the live server; delete them afterwards."""
    ids: list[int] = []

    def emit(kind: str, **payload: object) -> int:
        with transaction(engine) as session:
            event_id = events.publish(session, kind=kind, payload=payload)
        ids.append(event_id)
        return event_id

    yield emit
    with transaction(engine) as session:
        session.execute(delete(Event).where(Event.id.in_(ids)))


def test_resume_with_last_event_id_then_live(live_server: LiveServer, publish: Emit) -> None:
    emit = publish
    first = emit("shelter.status", id=1, status="opening")
    second = emit("shelter.status", id=1, status="open")
    third = emit("station.level", code="X1", band="danger")
    headers = {"Last-Event-ID": str(first), "Accept": "text/event-stream"}
    with (
        httpx.Client(base_url=live_server.url, timeout=READ_TIMEOUT) as http,
        http.stream("GET", "/api/events", headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = messages(response)
        replayed = next_events(stream, 2)
        assert [(m.id, m.event) for m in replayed] == [(str(second), "shelter.status"), (str(third), "station.level")]
        assert replayed[0].json["data"] == {"id": 1, "status": "open"}
        assert replayed[1].json["kind"] == "station.level" and replayed[1].json["id"] == third
        live = emit("order.issued", id=7, level=4)
        (delivered,) = next_events(stream, 1)
        assert (delivered.id, delivered.event, delivered.json["data"]) == (
            str(live),
            "order.issued",
            {"id": 7, "level": 4},
        )


def test_resume_with_query_parameter_and_kind_filter(live_server: LiveServer, publish: Emit) -> None:
    emit = publish
    start = emit("shelter.status", id=2, status="open")
    emit("order.issued", id=8)
    wanted = emit("shelter.occupancy", id=2, occupancy=40)
    params = {"last_event_id": str(start), "kind": "shelter"}
    with (
        httpx.Client(base_url=live_server.url, timeout=READ_TIMEOUT) as http,
        http.stream("GET", "/api/events", params=params) as response,
    ):
        (only,) = next_events(messages(response), 1)
    assert (only.id, only.event) == (str(wanted), "shelter.occupancy")


def test_without_last_event_id_only_new_events_arrive(live_server: LiveServer, publish: Emit) -> None:
    emit = publish
    emit("shelter.status", id=3, status="open")
    with (
        httpx.Client(base_url=live_server.url, timeout=READ_TIMEOUT) as http,
        http.stream("GET", "/api/events") as response,
    ):
        stream = messages(response)
        greeting = next(stream)
        assert greeting.retry is not None and "connected" in greeting.comments
        fresh = emit("shelter.status", id=3, status="full")
        (first,) = next_events(stream, 1)
    assert first.id == str(fresh)


def test_bad_last_event_id_is_422(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/api/events", headers={"Last-Event-ID": "abc"}, timeout=READ_TIMEOUT)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["header.Last-Event-ID"]


def test_publish_refuses_staff_names_in_payloads(publish: Emit) -> None:
    emit = publish
    with pytest.raises(ValueError, match=r"orders\.0\.drafted_by"):
        emit("order.issued", orders=[{"id": 1, "drafted_by": 3}])
