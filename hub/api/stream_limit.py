"""Caps on open Server-Sent Events streams, in all and per client address (429 problem+json beyond).

A stream holds its slot for as long as its response runs, i.e. until the client goes away. The counts
are per process (one event loop, no lock needed): with N workers the hub serves up to N × the cap.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from hub.api.client_address import client_host
from hub.api.problems import problem

#: Seconds a refused client is asked to wait before it opens a stream again.
RETRY_AFTER_S: Final = 30


class StreamSlots:
    """Open streams counted in all and per client; pure bookkeeping."""

    def __init__(self, *, max_total: int, max_per_client: int) -> None:
        self.max_total = max_total
        self.max_per_client = max_per_client
        self._open: Counter[str] = Counter()

    @property
    def total(self) -> int:
        """Streams open now."""
        return self._open.total()

    def take(self, client: str) -> str | None:
        """Hold a slot for the client; None when taken, else why not."""
        if self.total >= self.max_total:
            return f"the hub serves {self.max_total} event streams at most; try again later"
        if self._open[client] >= self.max_per_client:
            return f"at most {self.max_per_client} event streams per client address are served"
        self._open[client] += 1
        return None

    def give_back(self, client: str) -> None:
        """Free a slot of the client."""
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]


class StreamLimitMiddleware:
    """429 problem+json with Retry-After for a GET of a stream path beyond the caps of `slots`."""

    def __init__(self, app: ASGIApp, *, paths: re.Pattern[str], slots: StreamSlots) -> None:
        self.app = app
        self.paths = paths
        self.slots = slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold a slot while a stream's response runs; refuse when none is free."""
        if scope["type"] != "http" or scope["method"] != "GET" or not self.paths.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        client = client_host(scope)
        refused = self.slots.take(client)
        if refused is not None:
            response = problem(429, "Too Many Requests", refused, instance=scope["path"])
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.give_back(client)
