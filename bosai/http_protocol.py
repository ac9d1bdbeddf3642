"""uvicorn's httptools protocol, writing a response's head and body to the socket together.

uvicorn writes the status line and headers when the application sends `http.response.start`, and the
body when it sends `http.response.body`: two `send()` calls per response. On a busy server each is a
system call, and on a local network each also becomes its own packet for the client to take in. Here
the writes a response makes in one turn of the event loop are joined and written once at the end of
that turn; a streamed body (Server-Sent Events) still goes out chunk by chunk, each in its own turn.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: uvicorn's `--http` for the hub (`bosai serve`, `bosai bench api`).
UVICORN_HTTP: Final = "bosai.http_protocol:CoalescingHttpToolsProtocol"


class CoalescingTransport:
    """A transport proxy that joins the writes of one event-loop turn into one write."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Queue the data; the queue is written at the end of this turn of the loop."""
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def flush(self) -> None:
        """Write what is queued, in one call."""
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        """Write what is queued, then close."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol whose responses go through a CoalescingTransport (`uvicorn --http <this class>`)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Set up the connection as uvicorn does, then route its writes through the proxy."""
        super().connection_made(transport)
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
