"""Event streams are capped per client and in all: beyond, 429 problem+json over real HTTP; a closed
stream frees its slot. Clients are told apart behind a trusted proxy (the live server's peer is 127.0.0.1)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import Engine

from bosai.web import create_app
from hub.api.stream_limit import StreamSlots
from hub.settings import Settings
from tests.conftest import LiveServer

PER_CLIENT = 2
TOTAL = 3
#: How long a closed stream may take to give its slot back (the server notices the disconnect).
RELEASE_TIMEOUT_S = 10.0


@pytest.fixture(scope="module")
def capped_server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    """The app with small stream caps, behind a 'proxy' at 127.0.0.1 so X-Forwarded-For names clients."""
    capped = settings.model_copy(
        update={"sse_max_connections": TOTAL, "sse_max_per_client": PER_CLIENT, "trusted_proxies": ["127.0.0.1"]}
    )
    server = LiveServer(create_app(capped, engine))
    server.start()
    yield server
    server.stop()


def client_headers(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address, "Accept": "text/event-stream"}


def open_stream(stack: ExitStack, http: httpx.Client, address: str, path: str = "/api/events") -> httpx.Response:
    """Open a stream and keep it open until the stack closes; returns the response (headers read)."""
    return stack.enter_context(http.stream("GET", path, headers=client_headers(address)))


def assert_refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    response.read()
    assert reason in response.json()["detail"]


def test_streams_beyond_the_caps_are_refused(capped_server: LiveServer) -> None:
    timeout = httpx.Timeout(10.0, read=None)
    with httpx.Client(base_url=capped_server.url, timeout=timeout) as http, ExitStack() as stack:
        first = [open_stream(stack, http, "198.51.100.1") for _ in range(PER_CLIENT)]
        assert [r.status_code for r in first] == [200] * PER_CLIENT
        assert_refused(open_stream(stack, http, "198.51.100.1"), "per client")
        assert open_stream(stack, http, "198.51.100.2").status_code == 200
        assert_refused(open_stream(stack, http, "198.51.100.3"), "serves")
        assert_refused(open_stream(stack, http, "198.51.100.3", "/signage/any-sign/events?token=" + "t" * 20), "serves")

    # Every stream above is closed now: slots come back once the server has noticed.
    deadline = time.monotonic() + RELEASE_TIMEOUT_S
    with httpx.Client(base_url=capped_server.url, timeout=timeout) as http:
        while True:
            with http.stream("GET", "/api/events", headers=client_headers("198.51.100.1")) as again:
                if again.status_code == 200:
                    break
            assert time.monotonic() < deadline, "closed streams did not free their slots"
            time.sleep(0.2)


def test_slots_are_counted_per_client_and_in_all() -> None:
    slots = StreamSlots(max_total=3, max_per_client=2)
    assert [slots.take("a"), slots.take("a")] == [None, None]
    assert "per client" in (slots.take("a") or "")
    assert slots.take("b") is None
    assert "serves 3" in (slots.take("c") or "")
    slots.give_back("a")
    assert slots.take("c") is None and slots.total == 3
