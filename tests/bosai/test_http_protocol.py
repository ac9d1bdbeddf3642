"""The hub's HTTP protocol: a response's head and body in one write, streams still chunk by chunk."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from bosai.http_protocol import CoalescingTransport
from tests.conftest import LiveServer


class RecordingTransport:
    """A transport that keeps what it is asked to write and whether it was closed."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "write after close"
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_writes_of_one_loop_turn_become_one_write_and_later_turns_their_own() -> None:
    async def scenario() -> list[bytes]:
        raw = RecordingTransport()
        transport = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"body")
        assert raw.writes == []  # not before the end of this turn
        await asyncio.sleep(0)
        transport.write(memoryview(b"next"))
        await asyncio.sleep(0)
        assert transport.get_extra_info("peername") == "info:peername"
        return raw.writes

    assert asyncio.run(scenario()) == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]


def test_close_writes_what_is_queued_first() -> None:
    async def scenario() -> RecordingTransport:
        raw = RecordingTransport()
        transport = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        transport.close()
        await asyncio.sleep(0)  # the scheduled flush finds nothing left to write
        return raw

    raw = asyncio.run(scenario())
    assert raw.writes == [b"HTTP/1.1 400 Bad Request\r\n\r\n"] and raw.closed


async def ticks() -> AsyncIterator[bytes]:
    for n in range(3):
        yield f"data: {n}\n\n".encode()
        await asyncio.sleep(0.05)


def stream(request: Request) -> Response:
    return StreamingResponse(ticks(), media_type="text/event-stream")


def hello(request: Request) -> Response:
    return PlainTextResponse("hello " + request.query_params.get("n", ""))


def test_a_real_server_answers_pipelined_requests_and_streams_chunk_by_chunk() -> None:
    server = LiveServer(Starlette(routes=[Route("/hello", hello), Route("/stream", stream)]))  # type: ignore[arg-type]
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /hello?n=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello?n=2 HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while received.count(b"hello ") < 2 or not received.endswith(b"hello 2"):
                chunk = sock.recv(65536)
                assert chunk, received
                received += chunk
            assert received.index(b"hello 1") < received.index(b"hello 2")
            assert received.count(b"HTTP/1.1 200 OK") == 2
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            first = b""
            while b"data: 0" not in first:
                first += sock.recv(65536)
            assert b"data: 2" not in first  # the first event left before the last was written
            rest = b""
            while b"0\r\n\r\n" not in rest:
                rest += sock.recv(65536)
            assert b"data: 1" in rest and b"data: 2" in rest
    finally:
        server.stop()
